// Inline SVG charts for the HTML report: horizontal grouped bars and a point with an error bar.
// Pure string builders. Every label arrives pre-formatted by the caller (one formatter for the
// whole page) and is escaped here; each SVG carries <title> and <desc> for screen readers and is
// well-formed XML so it also stands alone as an .svg file.
import { escapeText } from './escape.ts';

/** Series colours: dark enough for 4.5:1 against white as text, distinct in greyscale print. */
export const SERIES_COLOURS = ['#1f4e99', '#b34700', '#2e7d32', '#6a1b9a', '#00695c', '#5d4037'];

export interface Bar {
  /** Index into the chart's series. */
  series: number;
  /** Bar length; null draws no bar (the text says why, e.g. "—"). */
  value: number | null;
  /** The figure printed beside the bar, already formatted. */
  text: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChart {
  id: string;
  title: string;
  desc: string;
  series: string[];
  groups: BarGroup[];
}

const WIDTH = 760;
const LABEL_W = 190;
const VALUE_W = 120;
const BAR_H = 16;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const LEGEND_H = 26;

const colour = (i: number) => SERIES_COLOURS[i % SERIES_COLOURS.length] ?? '#333333';
const px = (v: number) => String(Math.round(v * 10) / 10);

function open(id: string, title: string, desc: string, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${WIDTH}" height="${px(height)}" ` +
    `viewBox="0 0 ${WIDTH} ${px(height)}" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${escapeText(title)}</title>` +
    `<desc id="${id}-desc">${escapeText(desc)}</desc>` +
    `<rect x="0" y="0" width="${WIDTH}" height="${px(height)}" fill="#ffffff"/>`
  );
}

function legend(series: readonly string[]): string {
  let x = LABEL_W;
  return series
    .map((name, i) => {
      const item =
        `<rect x="${px(x)}" y="6" width="12" height="12" fill="${colour(i)}"/>` +
        `<text x="${px(x + 17)}" y="16" font-size="12" fill="#1a1a1a">${escapeText(name)}</text>`;
      x += 30 + name.length * 7;
      return item;
    })
    .join('');
}

export function barChartSvg(chart: BarChart): string {
  const values = chart.groups.flatMap((g) => g.bars.map((b) => b.value ?? 0));
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const scale = (WIDTH - LABEL_W - VALUE_W) / (max > 0 ? max : 1);
  const groupH = (g: BarGroup) => g.bars.length * (BAR_H + BAR_GAP) - BAR_GAP;
  const height =
    LEGEND_H + chart.groups.reduce((h, g) => h + groupH(g) + GROUP_GAP, 0) + GROUP_GAP / 2;
  const parts = [open(chart.id, chart.title, chart.desc, height), legend(chart.series)];
  let y = LEGEND_H + GROUP_GAP / 2;
  for (const g of chart.groups) {
    const h = groupH(g);
    parts.push(
      `<text x="${LABEL_W - 8}" y="${px(y + h / 2 + 4)}" font-size="12" text-anchor="end" fill="#1a1a1a">${escapeText(g.label)}</text>`,
    );
    for (const b of g.bars) {
      const v = b.value !== null && Number.isFinite(b.value) && b.value > 0 ? b.value : 0;
      const w = v * scale;
      const name = chart.series[b.series] ?? '';
      parts.push(
        `<g><title>${escapeText(`${g.label}, ${name}: ${b.text}`)}</title>` +
          `<rect x="${LABEL_W}" y="${px(y)}" width="${px(w)}" height="${BAR_H}" fill="${colour(b.series)}"/>` +
          `<text x="${px(LABEL_W + w + 5)}" y="${px(y + BAR_H - 4)}" font-size="12" fill="#1a1a1a">${escapeText(b.text)}</text></g>`,
      );
      y += BAR_H + BAR_GAP;
    }
    y += GROUP_GAP - BAR_GAP;
  }
  parts.push(
    `<line x1="${LABEL_W}" y1="${LEGEND_H}" x2="${LABEL_W}" y2="${px(height - 2)}" stroke="#555555" stroke-width="1"/>`,
    '</svg>',
  );
  return parts.join('');
}

export interface IntervalChart {
  id: string;
  title: string;
  desc: string;
  /** Fractions in [0, 1]. */
  estimate: number;
  low: number;
  high: number;
  /** Formatted figures for the point and the two ends. */
  texts: { estimate: string; low: string; high: string };
}

/** A 0–100 % axis with the estimate as a dot and the interval as an error bar. */
export function intervalChartSvg(c: IntervalChart): string {
  const height = 96;
  const x0 = 40;
  const x1 = WIDTH - 40;
  const at = (f: number) => x0 + Math.min(1, Math.max(0, f)) * (x1 - x0);
  const axisY = 70;
  const barY = 38;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line x1="${px(at(t))}" y1="${axisY}" x2="${px(at(t))}" y2="${axisY + 5}" stroke="#555555"/>` +
        `<text x="${px(at(t))}" y="${axisY + 18}" font-size="11" text-anchor="middle" fill="#333333">${t * 100}%</text>`,
    )
    .join('');
  return [
    open(c.id, c.title, c.desc, height),
    `<line x1="${x0}" y1="${axisY}" x2="${x1}" y2="${axisY}" stroke="#555555"/>`,
    ticks,
    `<g><title>${escapeText(`interval ${c.texts.low} to ${c.texts.high}`)}</title>`,
    `<line x1="${px(at(c.low))}" y1="${barY}" x2="${px(at(c.high))}" y2="${barY}" stroke="${colour(0)}" stroke-width="3"/>`,
    `<line x1="${px(at(c.low))}" y1="${barY - 9}" x2="${px(at(c.low))}" y2="${barY + 9}" stroke="${colour(0)}" stroke-width="3"/>`,
    `<line x1="${px(at(c.high))}" y1="${barY - 9}" x2="${px(at(c.high))}" y2="${barY + 9}" stroke="${colour(0)}" stroke-width="3"/></g>`,
    `<g><title>${escapeText(`estimate ${c.texts.estimate}`)}</title>`,
    `<circle cx="${px(at(c.estimate))}" cy="${barY}" r="6" fill="${colour(1)}"/></g>`,
    `<text x="${px(at(c.estimate))}" y="${barY - 14}" font-size="12" text-anchor="middle" fill="#1a1a1a">${escapeText(c.texts.estimate)}</text>`,
    `<text x="${px(at(c.low) - 6)}" y="${barY + 4}" font-size="11" text-anchor="end" fill="#333333">${escapeText(c.texts.low)}</text>`,
    `<text x="${px(at(c.high) + 6)}" y="${barY + 4}" font-size="11" fill="#333333">${escapeText(c.texts.high)}</text>`,
    '</svg>',
  ].join('');
}
