// Precision and recall of the detections kept at one score threshold: what a deployed
// detector with that threshold would deliver (for model cards and QA).
import type { CocoEvaluation } from './coco-eval.ts';
import { EvalInputError } from './errors.ts';

export interface ThresholdCounts {
  /** Detections with score ≥ threshold that matched a ground truth. */
  tp: number;
  /** Detections with score ≥ threshold that matched nothing. */
  fp: number;
  /** Ground truths that count (not crowd). */
  numGt: number;
  /** tp / (tp + fp); -1 when nothing passes the threshold. */
  precision: number;
  /** tp / numGt; -1 without ground truth. */
  recall: number;
}

export interface ThresholdResult {
  scoreThreshold: number;
  iouThreshold: number;
  /** All categories pooled (micro average). */
  overall: ThresholdCounts;
  perCategory: (ThresholdCounts & { id: number; name: string })[];
}

function counts(tp: number, fp: number, numGt: number): ThresholdCounts {
  return {
    tp,
    fp,
    numGt,
    precision: tp + fp > 0 ? tp / (tp + fp) : -1,
    recall: numGt > 0 ? tp / numGt : -1,
  };
}

/**
 * Counts at area 'all' with the largest maxDet per image, at one of the evaluation's IoU
 * thresholds. Detections matched to crowd regions are neither TP nor FP, as in COCOeval.
 */
export function precisionRecallAtScore(
  ev: CocoEvaluation,
  scoreThreshold: number,
  iouThreshold = 0.5,
): ThresholdResult {
  const t = ev.params.iouThrs.findIndex((v) => Math.abs(v - iouThreshold) < 1e-9);
  if (t < 0)
    throw new EvalInputError(
      `IoU threshold ${iouThreshold} is not one of ${ev.params.iouThrs.map((v) => v.toFixed(2)).join(', ')}`,
    );
  let allTp = 0;
  let allFp = 0;
  let allGt = 0;
  const perCategory = ev.perCategory.map((cat, k) => {
    const rk = ev.ranked[k];
    let tp = 0;
    let fp = 0;
    const n = rk?.scores.length ?? 0;
    // Ranked best first, so stop at the first score below the threshold.
    for (let r = 0; rk && r < n && (rk.scores[r] ?? 0) >= scoreThreshold; r++) {
      if (rk.ignored[t * n + r]) continue;
      if (rk.matched[t * n + r]) tp++;
      else fp++;
    }
    allTp += tp;
    allFp += fp;
    allGt += cat.numGt;
    return { id: cat.id, name: cat.name, ...counts(tp, fp, cat.numGt) };
  });
  return {
    scoreThreshold,
    iouThreshold: ev.params.iouThrs[t] ?? iouThreshold,
    overall: counts(allTp, allFp, allGt),
    perCategory,
  };
}
