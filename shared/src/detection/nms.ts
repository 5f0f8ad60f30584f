// Greedy non-maximum suppression: visit boxes by score (highest first, ties by input order) and
// keep a box unless a kept box of the same class (or any class, when class-agnostic) overlaps it
// with IoU above the threshold. Kept boxes sit in a uniform grid per class, so each candidate is
// compared only with kept boxes near it: 100k boxes cost about n log n, not n².
import { iouAt } from './iou.ts';
import type { BoxXYXY, Detection } from './types.ts';

export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept box is strictly greater than this (0..1). */
  iouThreshold: number;
  /** Only boxes of the same class suppress each other (default true). */
  classAware?: boolean;
  /** Keep at most this many, the highest-scoring (default: no limit). */
  maxDetections?: number;
  /** Drop boxes scoring below this before suppression (default: keep all). */
  scoreThreshold?: number;
}

/** Detections as flat arrays, the way model outputs arrive. */
export interface FlatDetections {
  /** n × [x1, y1, x2, y2]. */
  boxes: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** Class index per box; needed when class-aware. */
  classes?: ArrayLike<number>;
}

// A kept box spanning more cells than this is kept in a list that every candidate checks, and a
// candidate that large checks every kept box, so odd sizes never blow up the grid.
const MAX_CELLS_PER_BOX = 64;

interface Grid {
  cells: Map<number, number[]>;
  large: number[];
  all: number[];
}

function checkOptions(o: NmsOptions): void {
  if (!(o.iouThreshold >= 0 && o.iouThreshold <= 1))
    throw new RangeError(`NMS iouThreshold must be within 0..1, got ${o.iouThreshold}`);
  const m = o.maxDetections;
  if (m !== undefined && m !== Infinity && !(Number.isInteger(m) && m >= 0))
    throw new RangeError(`NMS maxDetections must be a non-negative integer, got ${m}`);
  if (o.scoreThreshold !== undefined && Number.isNaN(o.scoreThreshold))
    throw new RangeError('NMS scoreThreshold is NaN');
}

/**
 * Indices of the boxes NMS keeps, highest score first. Boxes with a NaN score are dropped; boxes
 * that are empty or have non-finite corners overlap nothing, so they are kept (score permitting)
 * and never suppress anything.
 */
export function nmsIndices(input: FlatDetections, options: NmsOptions): Int32Array {
  checkOptions(options);
  const { boxes, scores, classes } = input;
  const n = scores.length;
  if (boxes.length !== n * 4)
    throw new RangeError(`NMS expects 4 box numbers per score: ${boxes.length} for ${n} scores`);
  const classAware = options.classAware ?? true;
  if (classAware && classes !== undefined && classes.length !== n)
    throw new RangeError(`NMS expects one class per score: ${classes.length} for ${n} scores`);
  const max = options.maxDetections ?? Infinity;
  const minScore = options.scoreThreshold ?? -Infinity;
  const thr = options.iouThreshold;

  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    if (s >= minScore) candidates.push(i); // false for NaN
  }
  const order = Int32Array.from(candidates);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);

  // Cell size: median box side over a sample, so a few huge boxes do not skew it.
  const solid = (i: number): boolean => {
    const x1 = boxes[i * 4] as number;
    const y1 = boxes[i * 4 + 1] as number;
    const x2 = boxes[i * 4 + 2] as number;
    const y2 = boxes[i * 4 + 3] as number;
    return Number.isFinite(x1 + y1 + x2 + y2) && x2 > x1 && y2 > y1;
  };
  const sides: number[] = [];
  const step = Math.max(1, Math.floor(order.length / 1024));
  for (let k = 0; k < order.length; k += step) {
    const i = order[k] as number;
    if (solid(i))
      sides.push(
        Math.max(
          (boxes[i * 4 + 2] as number) - (boxes[i * 4] as number),
          (boxes[i * 4 + 3] as number) - (boxes[i * 4 + 1] as number),
        ),
      );
  }
  sides.sort((a, b) => a - b);
  const cell = sides.length ? (sides[sides.length >> 1] as number) : 1;

  const grids = new Map<number, Grid>();
  const kept: number[] = [];
  for (let k = 0; k < order.length && kept.length < max; k++) {
    const i = order[k] as number;
    if (!solid(i)) {
      kept.push(i);
      continue;
    }
    const cls = classAware && classes ? (classes[i] as number) : 0;
    let grid = grids.get(cls);
    if (!grid) {
      grid = { cells: new Map(), large: [], all: [] };
      grids.set(cls, grid);
    }
    const cx1 = Math.floor((boxes[i * 4] as number) / cell);
    const cy1 = Math.floor((boxes[i * 4 + 1] as number) / cell);
    const cx2 = Math.floor((boxes[i * 4 + 2] as number) / cell);
    const cy2 = Math.floor((boxes[i * 4 + 3] as number) / cell);
    const large = (cx2 - cx1 + 1) * (cy2 - cy1 + 1) > MAX_CELLS_PER_BOX;
    if (suppressed(grid, boxes, i, thr, large, cx1, cy1, cx2, cy2)) continue;
    kept.push(i);
    grid.all.push(i);
    if (large) grid.large.push(i);
    else
      for (let x = cx1; x <= cx2; x++)
        for (let y = cy1; y <= cy2; y++) {
          // Distinct cells may share a key for extreme coordinates; that only costs a comparison.
          const key = x * 1_048_573 + y;
          const list = grid.cells.get(key);
          if (list) list.push(i);
          else grid.cells.set(key, [i]);
        }
  }
  return Int32Array.from(kept);
}

function suppressed(
  grid: Grid,
  boxes: ArrayLike<number>,
  i: number,
  thr: number,
  large: boolean,
  cx1: number,
  cy1: number,
  cx2: number,
  cy2: number,
): boolean {
  if (large) {
    for (const j of grid.all) if (iouAt(boxes, i, j) > thr) return true;
    return false;
  }
  for (const j of grid.large) if (iouAt(boxes, i, j) > thr) return true;
  for (let x = cx1; x <= cx2; x++)
    for (let y = cy1; y <= cy2; y++) {
      const list = grid.cells.get(x * 1_048_573 + y);
      if (list) for (const j of list) if (iouAt(boxes, i, j) > thr) return true;
    }
  return false;
}

/**
 * NMS over detection objects: returns the kept ones (the same objects), highest score first.
 * Class-aware by label unless `classAware: false`.
 */
export function nms<T extends Detection>(detections: readonly T[], options: NmsOptions): T[] {
  const n = detections.length;
  const boxes = new Float64Array(n * 4);
  const scores = new Float64Array(n);
  const classes = new Int32Array(n);
  const classIds = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const d = detections[i] as T;
    const b: Readonly<BoxXYXY> = d.box;
    boxes.set(b, i * 4);
    scores[i] = d.score;
    let c = classIds.get(d.label);
    if (c === undefined) {
      c = classIds.size;
      classIds.set(d.label, c);
    }
    classes[i] = c;
  }
  const keep = nmsIndices({ boxes, scores, classes }, options);
  return Array.from(keep, (i) => detections[i] as T);
}
