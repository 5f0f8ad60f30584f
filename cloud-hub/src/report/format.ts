// The one formatter every figure in the HTML report goes through, so a number reads the same in
// a chart label, its table and the summary. Values come straight from the JSON report; null
// (a ratio without a denominator) shows as an em dash.

export type FigureKind = 'count' | 'usd' | 'bytes' | 'share' | 'seconds' | 'score' | 'rate';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
// Sub-cent amounts (infrastructure for a few frames) would all read $0.00.
const smallUsd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 2,
});
const share = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const fixed2 = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const fixed3 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** Decimal units (1 kB = 1000 B), as the cost rules count GB. */
function bytes(v: number): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1000 && i < BYTE_UNITS.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? count.format(x) : fixed2.format(x)} ${BYTE_UNITS[i] ?? 'B'}`;
}

export function formatFigure(v: number | null | undefined, kind: FigureKind): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (kind) {
    case 'count':
      return count.format(v);
    case 'usd':
      return v !== 0 && Math.abs(v) < 0.005 ? smallUsd.format(v) : usd.format(v);
    case 'bytes':
      return bytes(v);
    case 'share':
      return share.format(v);
    case 'seconds':
      return `${fixed2.format(v)} s`;
    case 'score':
      return fixed2.format(v);
    case 'rate':
      return fixed3.format(v);
  }
}
