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

export interface SeriesPoint {
  /** A fraction in [0, 1]. */
  value: number;
  /** The interval around it, when there is one (drawn as a whisker). */
  low?: number | null;
  high?: number | null;
  /** Drawn hollow: a figure to read with care (the chart's `hollowMeaning` says why). */
  hollow?: boolean;
  /** The figure as the page prints it, already formatted. */
  text: string;
}

export interface PointSeries {
  name: string;
  /** One entry per x label; null where the series has no figure. */
  points: (SeriesPoint | null)[];
}

export interface PointChart {
  id: string;
  title: string;
  desc: string;
  /** Categories along the x axis, e.g. ISO weeks, in order. */
  xLabels: string[];
  series: PointSeries[];
  /** Legend text for hollow points, e.g. "hollow: too few reviews". */
  hollowMeaning?: string;
}

/**
 * Fractions over ordered categories (weeks): per series a point per category, its interval as a
 * whisker, consecutive points joined by a thin line. Series sit side by side within a category
 * so their whiskers do not overlap; hollow points mark figures to read with care.
 */
export function pointChartSvg(c: PointChart): string {
  const top = LEGEND_H + 14;
  const plotH = 200;
  const x0 = 56;
  const x1 = WIDTH - 16;
  const height = top + plotH + 40;
  const n = Math.max(1, c.xLabels.length);
  const slot = (x1 - x0) / n;
  const spread = Math.min(slot * 0.6, 16 * c.series.length);
  const xAt = (i: number, s: number) =>
    x0 + slot * (i + 0.5) + (c.series.length > 1 ? (s / (c.series.length - 1) - 0.5) * spread : 0);
  const yAt = (f: number) => top + (1 - Math.min(1, Math.max(0, f))) * plotH;
  const parts = [open(c.id, c.title, c.desc, height)];
  // Legend: one swatch per series, then the hollow marker's meaning.
  let lx = x0;
  c.series.forEach((s, i) => {
    parts.push(
      `<circle cx="${px(lx + 6)}" cy="12" r="5" fill="${colour(i)}"/>` +
        `<text x="${px(lx + 16)}" y="16" font-size="12" fill="#1a1a1a">${escapeText(s.name)}</text>`,
    );
    lx += 34 + s.name.length * 7;
  });
  if (c.hollowMeaning)
    parts.push(
      `<circle cx="${px(lx + 6)}" cy="12" r="5" fill="#ffffff" stroke="#1a1a1a" stroke-width="2"/>` +
        `<text x="${px(lx + 16)}" y="16" font-size="12" fill="#1a1a1a">${escapeText(c.hollowMeaning)}</text>`,
    );
  for (const t of [0, 0.25, 0.5, 0.75, 1])
    parts.push(
      `<line x1="${x0}" y1="${px(yAt(t))}" x2="${x1}" y2="${px(yAt(t))}" stroke="${t === 0 ? '#555555' : '#dddddd'}"/>` +
        `<text x="${x0 - 6}" y="${px(yAt(t) + 4)}" font-size="11" text-anchor="end" fill="#333333">${t * 100}%</text>`,
    );
  c.xLabels.forEach((label, i) =>
    parts.push(
      `<text x="${px(x0 + slot * (i + 0.5))}" y="${px(top + plotH + 18)}" font-size="12" text-anchor="middle" fill="#1a1a1a">${escapeText(label)}</text>`,
    ),
  );
  c.series.forEach((s, si) => {
    const col = colour(si);
    // Lines first, so points and whiskers are drawn over them; a week without a figure breaks
    // the line rather than bridging it.
    const runs: string[][] = [[]];
    s.points.forEach((p, i) => {
      if (p) runs.at(-1)?.push(`${px(xAt(i, si))},${px(yAt(p.value))}`);
      else runs.push([]);
    });
    for (const run of runs)
      if (run.length > 1)
        parts.push(
          `<polyline points="${run.join(' ')}" fill="none" stroke="${col}" stroke-width="1.5" stroke-opacity="0.6"/>`,
        );
    s.points.forEach((p, i) => {
      if (!p) return;
      const x = xAt(i, si);
      const label = `${c.xLabels[i] ?? ''}, ${s.name}: ${p.text}${p.hollow && c.hollowMeaning ? ` (${c.hollowMeaning})` : ''}`;
      let g = `<g class="point"><title>${escapeText(label)}</title>`;
      if (p.low != null && p.high != null) {
        const [yl, yh] = [yAt(p.low), yAt(p.high)];
        g +=
          `<line x1="${px(x)}" y1="${px(yl)}" x2="${px(x)}" y2="${px(yh)}" stroke="${col}" stroke-width="2"/>` +
          `<line x1="${px(x - 4)}" y1="${px(yl)}" x2="${px(x + 4)}" y2="${px(yl)}" stroke="${col}" stroke-width="2"/>` +
          `<line x1="${px(x - 4)}" y1="${px(yh)}" x2="${px(x + 4)}" y2="${px(yh)}" stroke="${col}" stroke-width="2"/>`;
      }
      g += p.hollow
        ? `<circle cx="${px(x)}" cy="${px(yAt(p.value))}" r="5" fill="#ffffff" stroke="${col}" stroke-width="2.5"/>`
        : `<circle cx="${px(x)}" cy="${px(yAt(p.value))}" r="5" fill="${col}"/>`;
      parts.push(`${g}</g>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}
