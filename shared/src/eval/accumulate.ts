// One category's precision/recall curves over all images (pycocotools evaluate + accumulate
// for a single category): match every image, rank all detections, read the curves.
import { matchImage, type ImageCell } from './match-image.ts';
import type { EvalParams } from './params.ts';

/** numpy's np.spacing(1): keeps tp / (tp + fp) finite when both are 0. */
const EPS = 2 ** -52;

/** One category's detections ranked at one area range and maxDet, with their outcomes. */
export interface RankedDetections {
  scores: Float64Array;
  /** T×N: matched at that IoU threshold. */
  matched: Uint8Array;
  /** T×N: ignored at that IoU threshold. */
  ignored: Uint8Array;
  /** Ground truths that count. */
  numGt: number;
}

export interface CategoryCurves {
  /** T×R×A×M interpolated precision; -1 where undefined (no ground truth). */
  precision: Float64Array;
  /** T×A×M recall reached; -1 where undefined. */
  recall: Float64Array;
  /** Outcomes at area 'all' and the largest maxDet; undefined when the category is empty. */
  ranked: RankedDetections | undefined;
}

/**
 * Interpolated precision at each recall point for one IoU threshold: the precision envelope
 * (max precision at any lower rank) read at the first rank whose recall reaches the point
 * (numpy searchsorted, side='left'); 0 past the highest recall reached.
 */
export function interpolatedPrecision(
  ranked: RankedDetections,
  t: number,
  recThrs: readonly number[],
): { precision: Float64Array; recall: number } {
  const n = ranked.scores.length;
  const rc = new Float64Array(n);
  const pr = new Float64Array(n);
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    // Ignored detections still take a rank (pycocotools keeps them in the cumsum).
    if (!ranked.ignored[t * n + r]) {
      if (ranked.matched[t * n + r]) tp++;
      else fp++;
    }
    rc[r] = tp / ranked.numGt;
    pr[r] = tp / (fp + tp + EPS);
  }
  for (let r = n - 1; r > 0; r--) if ((pr[r] ?? 0) > (pr[r - 1] ?? 0)) pr[r - 1] = pr[r] ?? 0;
  const q = new Float64Array(recThrs.length);
  let r = 0;
  for (let k = 0; k < recThrs.length; k++) {
    const thr = recThrs[k] ?? 0;
    while (r < n && (rc[r] ?? 0) < thr) r++;
    if (r === n) break;
    q[k] = pr[r] ?? 0;
  }
  return { precision: q, recall: n ? (rc[n - 1] ?? 0) : 0 };
}

/** `cells`: the category's images that hold a GT or detection, in ascending image-id order. */
export function accumulateCategory(
  cells: readonly ImageCell[],
  params: EvalParams,
): CategoryCurves {
  const T = params.iouThrs.length;
  const R = params.recThrs.length;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const precision = new Float64Array(T * R * A * M).fill(-1);
  const recall = new Float64Array(T * A * M).fill(-1);
  if (cells.length === 0) return { precision, recall, ranked: undefined };

  // All detections concatenated image by image, each image's best first.
  let N = 0;
  const offsets = cells.map((c) => {
    const o = N;
    N += c.dtScores.length;
    return o;
  });
  const scores = new Float64Array(N);
  const rankInImage = new Int32Array(N);
  cells.forEach((c, ci) => {
    const o = offsets[ci] ?? 0;
    scores.set(c.dtScores, o);
    for (let d = 0; d < c.dtScores.length; d++) rankInImage[o + d] = d;
  });
  // Best score first; ties keep concatenation order like numpy's stable mergesort. Cutting
  // images to a smaller maxDet keeps this order, so one sort serves every maxDet.
  const order = new Int32Array(N).map((_, i) => i);
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);

  const matched = new Uint8Array(T * N);
  const ignored = new Uint8Array(T * N);
  let ranked: RankedDetections | undefined;
  params.areaRanges.forEach((range, a) => {
    matched.fill(0);
    ignored.fill(0);
    let numGt = 0;
    cells.forEach((cell, ci) => {
      const out = { matched, ignored, stride: N, offset: offsets[ci] ?? 0 };
      numGt += matchImage(cell, range, params.iouThrs, out);
    });
    params.maxDets.forEach((maxDet, m) => {
      const keep = order.filter((i) => (rankInImage[i] ?? 0) < maxDet);
      const n = keep.length;
      const rk: RankedDetections = {
        scores: Float64Array.from(keep, (i) => scores[i] ?? 0),
        matched: new Uint8Array(T * n),
        ignored: new Uint8Array(T * n),
        numGt,
      };
      for (let t = 0; t < T; t++)
        for (let j = 0; j < n; j++) {
          const i = t * N + (keep[j] ?? 0);
          rk.matched[t * n + j] = matched[i] ?? 0;
          rk.ignored[t * n + j] = ignored[i] ?? 0;
        }
      if (a === 0 && m === M - 1) ranked = rk;
      if (numGt === 0) return;
      for (let t = 0; t < T; t++) {
        const curve = interpolatedPrecision(rk, t, params.recThrs);
        recall[(t * A + a) * M + m] = curve.recall;
        for (let r = 0; r < R; r++)
          precision[((t * R + r) * A + a) * M + m] = curve.precision[r] ?? 0;
      }
    });
  });
  return { precision, recall, ranked };
}
