// The weekly point chart (precision, recall, AP50 with intervals): positions worked out by hand
// from its stated geometry (plot 200 px tall from y = 40, x from 56 to 744, one slot per week),
// hollow points where reviews are too few, escaping, and an SVG that libvips parses.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pointChartSvg } from '../../../cloud-hub/src/report/charts.ts';

const chart = pointChartSvg({
  id: 'q',
  title: 'Quality <by week>',
  desc: 'whiskers are intervals',
  xLabels: ['2026-W47', '2026-W48'],
  hollowMeaning: 'too few reviews',
  series: [
    {
      name: 'precision',
      points: [
        { value: 0.5, low: 0.25, high: 0.75, text: '50%' },
        { value: 1, low: 0.5, high: 1, hollow: true, text: '100%' },
      ],
    },
    { name: 'AP50', points: [null, { value: 0.25, text: '25%' }] },
  ],
});

const circles = (svg: string) =>
  [
    ...svg.matchAll(
      /<g class="point">[\s\S]*?<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="([^"]+)"/g,
    ),
  ].map((m) => ({ cx: Number(m[1]), cy: Number(m[2]), fill: m[3] }));

describe('pointChartSvg', () => {
  it('puts each figure at its value on a 0–100 % axis, series side by side within a week', () => {
    // Slot width (744 − 56) / 2 = 344; two series spread over min(0.6 × 344, 32) = 32 px,
    // so precision sits 16 px left of the slot centre and AP50 16 px right.
    expect(circles(chart)).toEqual([
      { cx: 56 + 172 - 16, cy: 40 + 0.5 * 200, fill: '#1f4e99' },
      { cx: 56 + 344 + 172 - 16, cy: 40, fill: '#ffffff' },
      { cx: 56 + 344 + 172 + 16, cy: 40 + 0.75 * 200, fill: '#b34700' },
    ]);
  });

  it('draws the interval as a whisker from low to high', () => {
    // First precision point: low 25 % at y = 190, high 75 % at y = 90.
    expect(chart).toContain('<line x1="212" y1="190" x2="212" y2="90"');
  });

  it('marks too-few-review figures hollow and says so in the legend and the tooltip', () => {
    expect(chart).toContain('too few reviews</text>');
    expect(chart).toContain('<title>2026-W48, precision: 100% (too few reviews)</title>');
    expect(chart.match(/fill="#ffffff" stroke=/g)).toHaveLength(2); // legend + the one point
  });

  it('joins a series week to week, and breaks the line where a week has no figure', () => {
    const gap = pointChartSvg({
      id: 'g',
      title: 't',
      desc: 'd',
      xLabels: ['a', 'b', 'c', 'd'],
      series: [
        {
          name: 's',
          points: [{ value: 1, text: '' }, { value: 0, text: '' }, null, { value: 0.5, text: '' }],
        },
      ],
    });
    // Slot width 688 / 4 = 172; one series sits at the slot centre.
    expect([...gap.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1])).toEqual([
      '142,40 314,240',
    ]);
  });

  it('escapes text and is an SVG that libvips parses and rasterises', async () => {
    expect(chart).toContain('Quality &lt;by week&gt;');
    const png = await sharp(Buffer.from(chart)).png().toBuffer();
    expect((await sharp(png).metadata()).width).toBe(760);
  });

  it('draws an empty axis, not an error, when there is nothing to show', async () => {
    const empty = pointChartSvg({ id: 'e', title: 't', desc: 'd', xLabels: [], series: [] });
    expect(circles(empty)).toEqual([]);
    expect((await sharp(Buffer.from(empty)).metadata()).width).toBe(760);
  });
});
