// One model's weekly quality chart (precision, recall, AP50 with their intervals), built from
// quality cells. The HTML report and the Quality page both draw it, so they show the same points.
import type { QualityCell, QualitySettings } from '../quality/report.ts';
import type { PointChart, SeriesPoint } from './charts.ts';
import { formatFigure } from './format.ts';

type Interval = { estimate: number; low: number; high: number } | null;

const pct = (v: number) => formatFigure(v, 'share');

/** "62.5 % (30.6 % – 86.3 %)": the estimate and its interval, as the tables print them. */
export function intervalText(v: Interval): string {
  return v ? `${pct(v.estimate)} (${pct(v.low)} – ${pct(v.high)})` : '—';
}

function point(v: Interval, hollow: boolean): SeriesPoint | null {
  return v ? { value: v.estimate, low: v.low, high: v.high, hollow, text: intervalText(v) } : null;
}

/** The pooled cells (all cameras, all classes) of one model, one point per ISO week. */
export function qualityPointChart(
  cells: readonly QualityCell[],
  model: { source: string; model: string },
  settings: Pick<QualitySettings, 'minReviews' | 'confidence'>,
  id: string,
): PointChart {
  const pooled = cells
    .filter(
      (c) =>
        c.source === model.source &&
        c.model === model.model &&
        c.camera === 'all' &&
        c.class === 'all',
    )
    .sort((a, b) => a.week.localeCompare(b.week));
  return {
    id,
    title: `${model.source} model ${model.model}: precision, recall and AP50 by ISO week`,
    desc: `All cameras and classes pooled; whiskers are ${settings.confidence * 100} % Wilson intervals; hollow points have fewer than ${settings.minReviews} reviewed objects.`,
    xLabels: pooled.map((c) => c.week),
    hollowMeaning: `too few reviews (< ${settings.minReviews} objects)`,
    series: [
      { name: 'precision', points: pooled.map((c) => point(c.precision, c.tooFewReviews)) },
      { name: 'recall', points: pooled.map((c) => point(c.recall, c.tooFewReviews)) },
      {
        name: 'AP50',
        points: pooled.map((c) =>
          c.ap50 === null ? null : { value: c.ap50, hollow: c.tooFewReviews, text: pct(c.ap50) },
        ),
      },
    ],
  };
}
