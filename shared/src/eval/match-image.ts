// Greedy matching of one image × category at one area range (pycocotools evaluateImg).
import type { AreaRange } from './params.ts';

/** One image × category: detections best score first (already cut to the largest maxDet). */
export interface ImageCell {
  dtScores: Float64Array;
  /** Detection box areas (w*h), as pycocotools' loadRes sets them. */
  dtAreas: Float64Array;
  /** Ground-truth `area` fields. */
  gtAreas: Float64Array;
  gtCrowd: Uint8Array;
  /** IoU, D×G row-major, ground truths in input order. */
  ious: Float64Array;
}

/** Where a cell writes its outcomes: T rows of `stride` detections, this cell's from `offset`. */
export interface MatchOutput {
  /** T×stride: detection matched a ground truth at that IoU threshold. */
  matched: Uint8Array;
  /** T×stride: ignored (matched an ignored GT, or unmatched and outside the area range). */
  ignored: Uint8Array;
  stride: number;
  offset: number;
}

/** Matches one cell at one area range into `out`; returns how many ground truths count. */
export function matchImage(
  cell: ImageCell,
  range: AreaRange,
  iouThrs: readonly number[],
  out: MatchOutput,
): number {
  const D = cell.dtScores.length;
  const G = cell.gtAreas.length;
  const T = iouThrs.length;
  const { matched, ignored, stride, offset } = out;
  const outside = (area: number): boolean => area < range.min || area > range.max;

  // Ignored ground truths go last, order otherwise kept (pycocotools' stable argsort).
  const gtIgnoreIn = new Uint8Array(G);
  for (let g = 0; g < G; g++)
    gtIgnoreIn[g] = cell.gtCrowd[g] === 1 || outside(cell.gtAreas[g] ?? 0) ? 1 : 0;
  const order: number[] = [];
  for (let g = 0; g < G; g++) if (!gtIgnoreIn[g]) order.push(g);
  const numGt = order.length;
  for (let g = 0; g < G; g++) if (gtIgnoreIn[g]) order.push(g);
  const gtIg = Uint8Array.from(order, (g) => gtIgnoreIn[g] ?? 0);
  const crowd = Uint8Array.from(order, (g) => cell.gtCrowd[g] ?? 0);

  const gtMatched = new Uint8Array(G);
  if (G > 0) {
    for (let t = 0; t < T; t++) {
      gtMatched.fill(0);
      const row = t * stride + offset;
      for (let d = 0; d < D; d++) {
        let best = Math.min(iouThrs[t] ?? 0, 1 - 1e-10);
        let m = -1;
        for (let j = 0; j < G; j++) {
          // A crowd region may absorb any number of detections; others match once.
          if (gtMatched[j] && !crowd[j]) continue;
          // Once matched to a counted GT, never trade it for an ignored one.
          if (m > -1 && gtIg[m] === 0 && gtIg[j] === 1) break;
          const iou = cell.ious[d * G + (order[j] ?? 0)] ?? 0;
          if (iou < best) continue;
          best = iou;
          m = j;
        }
        if (m === -1) continue;
        matched[row + d] = 1;
        ignored[row + d] = gtIg[m] ?? 0;
        gtMatched[m] = 1;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    if (!outside(cell.dtAreas[d] ?? 0)) continue;
    for (let t = 0; t < T; t++) {
      const i = t * stride + offset + d;
      if (!matched[i]) ignored[i] = 1;
    }
  }
  return numGt;
}
