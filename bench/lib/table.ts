// Readable terminal output: figures rounded to what the noise allows, columns aligned.
import type { CaseSummary } from './stats.ts';

/** About four significant figures, never an exponent: 1302.4 → "1302", 12.345 → "12.35", 0.21347 → "0.213". */
export function formatFigure(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(0);
  if (abs >= 100) return v.toFixed(1);
  if (abs >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

export interface TableRow {
  bench: string;
  case: string;
  unit: string;
  repeats: number;
  baselineLabel: string;
  subjectLabel: string;
  summary: CaseSummary;
}

const HEADER = ['benchmark', 'case', 'baseline', 'subject', 'ratio', 'range', 'n'];
// Numeric columns read best right-aligned.
const RIGHT = new Set([2, 3, 4, 5, 6]);

export function tableCells(r: TableRow): string[] {
  const s = r.summary;
  return [
    r.bench,
    r.case,
    `${formatFigure(s.baselineMedian)} ${r.unit}`,
    `${formatFigure(s.subjectMedian)} ${r.unit}`,
    `${s.ratio.toFixed(3)}×`,
    `${s.ratioMin.toFixed(3)}–${s.ratioMax.toFixed(3)}`,
    String(r.repeats),
  ];
}

/** Header, a rule, then one line per row; columns separated by two spaces. */
export function formatTable(rows: readonly TableRow[]): string {
  const cells = [HEADER, ...rows.map(tableCells)];
  const widths = HEADER.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) =>
        RIGHT.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADER), rule, ...cells.slice(1).map(line)].join('\n');
}

/** The labels, so a reader knows what the two columns measured. */
export function formatLegend(rows: readonly TableRow[]): string {
  return rows
    .map((r) => `${r.bench}/${r.case}: baseline = ${r.baselineLabel}; subject = ${r.subjectLabel}`)
    .join('\n');
}
