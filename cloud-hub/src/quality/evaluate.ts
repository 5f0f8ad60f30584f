// One model's quality on a set of reviewed frames, through the project's COCO evaluator: AP50
// per class and pooled (pycocotools' AP@.5), precision and recall of the boxes the model
// delivered (every box it stored counts, i.e. at its own deployed threshold), with Wilson
// intervals. Pure.
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { evaluateBoxes } from '@pretag/shared/eval/coco-eval';
import type { EvalDetection, EvalGroundTruth } from '@pretag/shared/eval/coco-eval';
import { precisionRecallAtScore } from '@pretag/shared/eval/score-threshold';
import { wilsonInterval } from '../costs/wilson.ts';
import type { Interval } from '../costs/wilson.ts';
import type { GtBox, LabelledBox } from './ground-truth.ts';

export interface EvalFrame {
  gt: readonly GtBox[];
  dets: readonly LabelledBox[];
}

export interface QualityFigures {
  /** Ground-truth boxes (reviewed objects). */
  numGt: number;
  tp: number;
  fp: number;
  fn: number;
  precision: Interval | null;
  recall: Interval | null;
  /** AP at IoU 0.5 (COCO 101-point interpolation); null without ground truth. */
  ap50: number | null;
  /** Fewer ground-truth boxes than the configured minimum: read the figures with care. */
  tooFewReviews: boolean;
}

export interface ModelQuality {
  frames: number;
  overall: QualityFigures;
  perClass: (QualityFigures & { class: string })[];
}

const toXywh = (b: BoxXYXY): number[] => [b[0], b[1], b[2] - b[0], b[3] - b[1]];

function figures(
  tp: number,
  fp: number,
  numGt: number,
  ap50: number,
  minReviews: number,
  confidence: number,
): QualityFigures {
  return {
    numGt,
    tp,
    fp,
    fn: Math.max(0, numGt - tp),
    precision: wilsonInterval(tp, tp + fp, confidence) ?? null,
    recall: wilsonInterval(tp, numGt, confidence) ?? null,
    ap50: ap50 >= 0 ? ap50 : null,
    tooFewReviews: numGt < minReviews,
  };
}

export function evaluateModel(
  frames: readonly EvalFrame[],
  o: { minReviews: number; confidence: number },
): ModelQuality {
  const labels = [
    ...new Set(frames.flatMap((f) => [...f.gt.map((g) => g.label), ...f.dets.map((d) => d.label)])),
  ].sort();
  if (labels.length === 0)
    return {
      frames: frames.length,
      overall: figures(0, 0, 0, -1, o.minReviews, o.confidence),
      perClass: [],
    };
  const catId = new Map(labels.map((l, i) => [l, i + 1]));
  const gt: EvalGroundTruth = {
    images: frames.map((_, i) => ({ id: i + 1 })),
    categories: labels.map((name, i) => ({ id: i + 1, name })),
    annotations: frames.flatMap((f, i) =>
      f.gt.map((g) => ({
        image_id: i + 1,
        category_id: catId.get(g.label) ?? 0,
        bbox: toXywh(g.box),
        iscrowd: 0,
      })),
    ),
  };
  const dets: EvalDetection[] = frames.flatMap((f, i) =>
    f.dets.map((d) => ({
      image_id: i + 1,
      category_id: catId.get(d.label) ?? 0,
      bbox: toXywh(d.box),
      score: d.score,
    })),
  );
  const ev = evaluateBoxes(gt, dets);
  const counts = precisionRecallAtScore(ev, 0, 0.5);
  const perClass = ev.perCategory.map((c, k) => {
    const n = counts.perCategory[k];
    return {
      class: c.name,
      ...figures(n?.tp ?? 0, n?.fp ?? 0, c.numGt, c.AP50, o.minReviews, o.confidence),
    };
  });
  const o2 = counts.overall;
  return {
    frames: frames.length,
    overall: figures(o2.tp, o2.fp, o2.numGt, ev.stats.AP50, o.minReviews, o.confidence),
    perClass,
  };
}
