// Quality over time: every model that ran on reviewed frames (edge INT8, cloud, shadow
// candidates), per ISO week × camera × class, plus the pre-filter's recall from audit frames
// for the same cameras and weeks. Cells are flat so a chart can pick a line out of them:
// camera 'all' and class 'all' are the pooled cells.
import { dailyReport } from '../api/reports/daily.ts';
import { recallInput } from '../api/reports/recall-input.ts';
import { DEFAULT_PRICES } from '../costs/report.ts';
import { estimateRecall } from '../costs/recall.ts';
import type { RecallEstimate, RecallInput } from '../costs/recall.ts';
import type { Ledger } from '../ledger/open.ts';
import { evaluateModel } from './evaluate.ts';
import type { EvalFrame, QualityFigures } from './evaluate.ts';
import { isoWeek } from './iso-week.ts';
import { loadReviewedFrames } from './load.ts';
import type { ModelSource, ReviewedFrame } from './load.ts';

const DAY_MS = 86_400_000;

export interface QualitySettings {
  /** Cells with fewer ground-truth boxes are marked tooFewReviews. */
  minReviews: number;
  confidence: number;
}

export const DEFAULT_QUALITY: QualitySettings = { minReviews: 30, confidence: 0.95 };

export interface QualityCell extends QualityFigures {
  source: ModelSource;
  model: string;
  /** A camera id, or 'all'. */
  camera: string;
  /** A class name, or 'all' (pooled over classes: AP50 is the mean over classes with ground truth). */
  class: string;
  /** ISO week "2026-W48" and its Monday. */
  week: string;
  weekStart: string;
  /** Reviewed frames the model ran on. */
  frames: number;
}

export interface QualityReport {
  from: string;
  to: string;
  settings: QualitySettings & { iouThreshold: 0.5 };
  rules: string[];
  models: { source: ModelSource; model: string; frames: number }[];
  reviewedFrames: number;
  /** Verdicts whose box could not be found (accepted/fixed without a box and no matching cloud box). */
  unlocatedVerdicts: number;
  cells: QualityCell[];
  prefilterRecall: {
    camera: string;
    week: string;
    weekStart: string;
    input: RecallInput;
    estimate: RecallEstimate;
  }[];
}

export interface QualityQuery {
  /** First and last day YYYY-MM-DD (UTC), inclusive. */
  from: string;
  to: string;
  site?: string | undefined;
  camera?: string | undefined;
  model?: string | undefined;
  /** Leave out the pre-filter recall (one daily report per camera and week); default false. */
  noRecall?: boolean;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function framesFor(frames: readonly ReviewedFrame[], key: string): EvalFrame[] {
  const out: EvalFrame[] = [];
  for (const f of frames) {
    const m = f.models.get(key);
    if (!m) continue;
    // The edge pre-filter is judged on the classes it is set to look for.
    const keep = m.source === 'edge' && f.edgeClasses ? new Set(f.edgeClasses) : undefined;
    out.push({
      gt: keep ? f.gt.filter((g) => keep.has(g.label)) : f.gt,
      dets: keep ? m.boxes.filter((d) => keep.has(d.label)) : m.boxes,
    });
  }
  return out;
}

export function qualityReport(
  ledger: Ledger,
  q: QualityQuery,
  settings: QualitySettings = DEFAULT_QUALITY,
): QualityReport {
  const from = Date.parse(`${q.from}T00:00:00Z`);
  const to = Date.parse(`${q.to}T00:00:00Z`) + DAY_MS;
  if (!(Number.isFinite(from) && Number.isFinite(to) && to > from))
    throw new RangeError('from and to must be days YYYY-MM-DD with from ≤ to');
  const frames = loadReviewedFrames(ledger, { from, to, site: q.site, camera: q.camera });

  const models = new Map<string, { source: ModelSource; model: string; frames: number }>();
  for (const f of frames)
    for (const [k, m] of f.models) {
      if (q.model !== undefined && m.model !== q.model) continue;
      const e = models.get(k);
      if (e) e.frames++;
      else models.set(k, { source: m.source, model: m.model, frames: 1 });
    }

  // Group frames by week and by (week, camera).
  const groups = new Map<
    string,
    { week: string; weekStart: string; camera: string; frames: ReviewedFrame[] }
  >();
  const add = (week: { week: string; start: string }, camera: string, f: ReviewedFrame) => {
    const k = `${week.week}\0${camera}`;
    const g = groups.get(k);
    if (g) g.frames.push(f);
    else groups.set(k, { week: week.week, weekStart: week.start, camera, frames: [f] });
  };
  for (const f of frames) {
    const w = isoWeek(f.capturedAt);
    add(w, 'all', f);
    add(w, f.camera, f);
  }

  const cells: QualityCell[] = [];
  const opts = { minReviews: settings.minReviews, confidence: settings.confidence };
  for (const [key, m] of models)
    for (const g of [...groups.values()].sort((a, b) =>
      a.week === b.week ? (a.camera < b.camera ? -1 : 1) : a.week < b.week ? -1 : 1,
    )) {
      const ef = framesFor(g.frames, key);
      if (ef.length === 0) continue;
      const r = evaluateModel(ef, opts);
      const base = {
        source: m.source,
        model: m.model,
        camera: g.camera,
        week: g.week,
        weekStart: g.weekStart,
        frames: ef.length,
      };
      cells.push({ ...base, class: 'all', ...r.overall });
      for (const c of r.perClass) {
        const { class: name, ...fig } = c;
        cells.push({ ...base, class: name, ...fig });
      }
    }

  // The pre-filter's recall beside it: per camera and ISO week (clipped to the range).
  const prefilterRecall: QualityReport['prefilterRecall'] = [];
  const cams = ledger
    .statement<[Record<string, unknown>], { camera: string }>(
      `SELECT DISTINCT camera FROM frames WHERE captured_at_ms >= @from AND captured_at_ms < @to
         AND (@site IS NULL OR site = @site) AND (@camera IS NULL OR camera = @camera) ORDER BY camera`,
    )
    .all({ from, to, site: q.site ?? null, camera: q.camera ?? null });
  for (let start = from; start < to && !q.noRecall;) {
    const w = isoWeek(start);
    const weekEnd = Math.min(to, Date.parse(`${w.start}T00:00:00Z`) + 7 * DAY_MS);
    for (const { camera } of cams) {
      const daily = dailyReport(
        ledger,
        { from: day(start), to: day(weekEnd - DAY_MS), camera, ...(q.site && { site: q.site }) },
        DEFAULT_PRICES,
      );
      const input = recallInput(
        ledger,
        { from: start, to: weekEnd, site: q.site ?? null, camera },
        daily,
      );
      prefilterRecall.push({
        camera,
        week: w.week,
        weekStart: w.start,
        input,
        estimate: estimateRecall(input, settings.confidence),
      });
    }
    start = weekEnd;
  }

  return {
    from: q.from,
    to: q.to,
    settings: { ...settings, iouThreshold: 0.5 },
    rules: [
      "ground truth: per QA sample, the first reviewer's accepted boxes, fixed boxes (as corrected) and missed objects; rejected boxes are not objects",
      'each model is scored on the reviewed frames it ran on with the COCO evaluator (IoU 0.5): AP50 from its ranked boxes, precision and recall from every box it delivered (edge: boxes sent with the frame, on the classes its pre-filter looks for; cloud and shadow: boxes kept by cleanup)',
      `intervals: Wilson at ${settings.confidence * 100} %; a cell with fewer than ${settings.minReviews} ground-truth boxes is marked tooFewReviews`,
      'weeks: ISO weeks of capture time (UTC); pre-filter recall from audit frames as in the daily report',
    ],
    models: [...models.values()],
    reviewedFrames: frames.length,
    unlocatedVerdicts: frames.reduce((n, f) => n + f.unlocated, 0),
    cells,
    prefilterRecall,
  };
}
