// COCO bbox evaluation, a port of pycocotools' COCOeval (iouType 'bbox'): evaluate, accumulate
// and summarize. Works on in-memory ground truth and detections so that a model run can feed
// it directly; coco-files.ts reads and checks the JSON files.
import { accumulateCategory, type RankedDetections } from './accumulate.ts';
import { boxIouMatrix } from './iou.ts';
import type { ImageCell } from './match-image.ts';
import { DEFAULT_PARAMS, type EvalParams } from './params.ts';
import { summarize, type CocoStats } from './summarize.ts';

/** The parts of a COCO ground-truth dataset the evaluation reads. */
export interface EvalGroundTruth {
  images: readonly { id: number }[];
  annotations: readonly {
    image_id: number;
    category_id: number;
    bbox: readonly number[];
    area?: number | undefined;
    iscrowd?: number | boolean | undefined;
  }[];
  categories: readonly { id: number; name: string }[];
}

/** One detection in COCO results form: ids from the ground truth, bbox [x, y, w, h]. */
export interface EvalDetection {
  image_id: number;
  category_id: number;
  bbox: readonly number[];
  score: number;
}

export interface EvalOptions {
  /** Evaluate only these category ids (default: all the ground truth's). */
  catIds?: readonly number[];
  params?: EvalParams;
}

export interface CategoryResult {
  id: number;
  name: string;
  /** Ground truths that count (not crowd), any size. */
  numGt: number;
  /** AP@[.50:.95], AP@.50, AP@.75 and AR@100 at area 'all'; -1 without ground truth. */
  AP: number;
  AP50: number;
  AP75: number;
  AR100: number;
}

export interface CocoEvaluation {
  stats: CocoStats;
  perCategory: CategoryResult[];
  params: EvalParams;
  /** Evaluated category ids, ascending (the K axis). */
  catIds: number[];
  /** T×R×K×A×M interpolated precision, -1 where undefined (pycocotools eval['precision']). */
  precision: Float64Array;
  /** T×K×A×M recall, -1 where undefined (pycocotools eval['recall']). */
  recall: Float64Array;
  /** Per category (K axis): detections ranked at area 'all' and the largest maxDet. */
  ranked: (RankedDetections | undefined)[];
}

interface Cell {
  gts: number[];
  dts: number[];
}

export function evaluateBoxes(
  gt: EvalGroundTruth,
  dets: readonly EvalDetection[],
  options: EvalOptions = {},
): CocoEvaluation {
  const params = options.params ?? DEFAULT_PARAMS;
  const imgIds = [...new Set(gt.images.map((i) => i.id))].sort((a, b) => a - b);
  const catIds = [...new Set(options.catIds ?? gt.categories.map((c) => c.id))].sort(
    (a, b) => a - b,
  );
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, k) => [id, k]));
  const I = imgIds.length;
  const K = catIds.length;
  const T = params.iouThrs.length;
  const R = params.recThrs.length;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const maxDet = params.maxDets[M - 1] ?? 100;

  // Only image × category pairs that hold something are visited (pycocotools skips the rest).
  const cells = new Map<number, Cell>();
  const cellFor = (imageId: number, categoryId: number): Cell | undefined => {
    const i = imgIndex.get(imageId);
    const k = catIndex.get(categoryId);
    if (i === undefined || k === undefined) return undefined;
    const key = k * I + i;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { gts: [], dts: [] }));
    return cell;
  };
  gt.annotations.forEach((a, j) => cellFor(a.image_id, a.category_id)?.gts.push(j));
  dets.forEach((d, j) => cellFor(d.image_id, d.category_id)?.dts.push(j));

  // Per category, its images in ascending id order (that order breaks score ties).
  const cellsOf = Array.from({ length: K }, () => [] as ImageCell[]);
  for (const key of [...cells.keys()].sort((a, b) => a - b)) {
    const { gts, dts } = cells.get(key) as Cell;
    cellsOf[Math.floor(key / I)]?.push(buildCell(gt, dets, gts, dts, maxDet));
  }

  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const ranked = new Array<RankedDetections | undefined>(K).fill(undefined);
  const numGtAll = new Array<number>(K).fill(0);
  for (let k = 0; k < K; k++) {
    const catCells = cellsOf[k] ?? [];
    // Done category by category so that only one category's outcomes are in memory.
    const curves = accumulateCategory(catCells, params);
    ranked[k] = curves.ranked;
    numGtAll[k] = catCells.reduce((n, c) => n + countNotCrowd(c), 0);
    cellsOf[k] = [];
    for (let t = 0; t < T; t++)
      for (let a = 0; a < A; a++)
        for (let m = 0; m < M; m++) {
          recall[((t * K + k) * A + a) * M + m] = curves.recall[(t * A + a) * M + m] ?? -1;
          for (let r = 0; r < R; r++)
            precision[(((t * R + r) * K + k) * A + a) * M + m] =
              curves.precision[((t * R + r) * A + a) * M + m] ?? -1;
        }
  }

  const dims = { T, R, K, A, M };
  const stats = summarize(precision, recall, dims, params);
  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  const perCategory = catIds.map((id, k): CategoryResult => {
    const s = summarize(precision, recall, { ...dims, onlyK: k }, params);
    const name = names.get(id) ?? String(id);
    return {
      id,
      name,
      numGt: numGtAll[k] ?? 0,
      AP: s.AP,
      AP50: s.AP50,
      AP75: s.AP75,
      AR100: s.AR100,
    };
  });
  return { stats, perCategory, params, catIds, precision, recall, ranked };
}

function buildCell(
  gt: EvalGroundTruth,
  dets: readonly EvalDetection[],
  gtIdx: readonly number[],
  dtIdx: readonly number[],
  maxDet: number,
): ImageCell {
  // Best score first, ties in input order (stable, like numpy's mergesort), then cut.
  const sortedDt = [...dtIdx]
    .sort((a, b) => (dets[b]?.score ?? 0) - (dets[a]?.score ?? 0))
    .slice(0, maxDet);
  const dtBoxes = sortedDt.map((j) => dets[j]?.bbox ?? []);
  const gtAnns = gtIdx.map((j) => gt.annotations[j]);
  const gtBoxes = gtAnns.map((g) => g?.bbox ?? []);
  const gtCrowd = Uint8Array.from(gtAnns, (g) => (g?.iscrowd ? 1 : 0));
  return {
    dtScores: Float64Array.from(sortedDt, (j) => dets[j]?.score ?? 0),
    dtAreas: Float64Array.from(dtBoxes, (b) => (b[2] ?? 0) * (b[3] ?? 0)),
    gtAreas: Float64Array.from(gtAnns, (g) => g?.area ?? (g?.bbox[2] ?? 0) * (g?.bbox[3] ?? 0)),
    gtCrowd,
    ious: boxIouMatrix(dtBoxes, gtBoxes, gtCrowd),
  };
}

function countNotCrowd(cell: ImageCell): number {
  let n = 0;
  for (const c of cell.gtCrowd) if (!c) n++;
  return n;
}
