// Cross-class duplicate suppression: one object labelled twice (car and truck) by the detector.
// Greedy like NMS, but only boxes of a different class suppress each other, so same-class
// boxes that NMS kept are never touched here whatever the two thresholds are.
// Kept boxes sit in a uniform grid, so each candidate meets only its neighbours. For thresholds
// t ≥ 0.5 the grid holds box centres only: IoU > t needs the x-overlap to exceed t·max(wa, wb),
// which bounds the centre offset |dcx| < (1 − t)·wa for either box a (likewise for y), so a
// candidate looks only within that distance of its own centre — a few cells at t = 0.9.
import { iouAt } from '@pretag/shared/detection/iou';

const MAX_CELLS_PER_BOX = 64;
const KEY_STRIDE = 1_048_573;

/**
 * Of `order` (indices into boxes/classes, highest score first), those no kept box of another
 * class overlaps with IoU above `iouThreshold`, in the same order. Boxes must be finite and
 * non-empty (cleanup has checked them).
 */
export function suppressCrossClass(
  boxes: Float64Array,
  classes: Int32Array,
  order: Int32Array,
  iouThreshold: number,
): Int32Array {
  if (iouThreshold >= 0.5) return byCentres(boxes, classes, order, iouThreshold);
  const cell = medianSide(boxes, order);
  const cells = new Map<number, number[]>();
  const large: number[] = [];
  const all: number[] = [];
  const kept = new Int32Array(order.length);
  let k = 0;
  for (let o = 0; o < order.length; o++) {
    const i = order[o] as number;
    const c = classes[i] as number;
    const cx1 = Math.floor((boxes[i * 4] as number) / cell);
    const cy1 = Math.floor((boxes[i * 4 + 1] as number) / cell);
    const cx2 = Math.floor((boxes[i * 4 + 2] as number) / cell);
    const cy2 = Math.floor((boxes[i * 4 + 3] as number) / cell);
    const isLarge = (cx2 - cx1 + 1) * (cy2 - cy1 + 1) > MAX_CELLS_PER_BOX;
    let hit: boolean;
    if (isLarge) hit = clashes(all, boxes, classes, i, c, iouThreshold);
    else {
      hit = clashes(large, boxes, classes, i, c, iouThreshold);
      for (let x = cx1; x <= cx2 && !hit; x++)
        for (let y = cy1; y <= cy2 && !hit; y++) {
          const list = cells.get(x * KEY_STRIDE + y);
          if (list) hit = clashes(list, boxes, classes, i, c, iouThreshold);
        }
    }
    if (hit) continue;
    kept[k++] = i;
    all.push(i);
    if (isLarge) large.push(i);
    else
      for (let x = cx1; x <= cx2; x++)
        for (let y = cy1; y <= cy2; y++) {
          const key = x * KEY_STRIDE + y;
          const list = cells.get(key);
          if (list) list.push(i);
          else cells.set(key, [i]);
        }
  }
  return kept.slice(0, k);
}

function byCentres(
  boxes: Float64Array,
  classes: Int32Array,
  order: Int32Array,
  t: number,
): Int32Array {
  const slack = 1 - t;
  const cell = Math.max(1e-3, slack * medianSide(boxes, order));
  const cells = new Map<number, number[]>();
  const all: number[] = [];
  const kept = new Int32Array(order.length);
  let k = 0;
  for (let o = 0; o < order.length; o++) {
    const i = order[o] as number;
    const c = classes[i] as number;
    const x1 = boxes[i * 4] as number;
    const y1 = boxes[i * 4 + 1] as number;
    const x2 = boxes[i * 4 + 2] as number;
    const y2 = boxes[i * 4 + 3] as number;
    const cx = (x1 + x2) / 2;
    const cy = (y1 + y2) / 2;
    const rx = slack * (x2 - x1);
    const ry = slack * (y2 - y1);
    const gx1 = Math.floor((cx - rx) / cell);
    const gx2 = Math.floor((cx + rx) / cell);
    const gy1 = Math.floor((cy - ry) / cell);
    const gy2 = Math.floor((cy + ry) / cell);
    let hit: boolean;
    if ((gx2 - gx1 + 1) * (gy2 - gy1 + 1) > MAX_CELLS_PER_BOX)
      hit = clashes(all, boxes, classes, i, c, t);
    else {
      hit = false;
      for (let x = gx1; x <= gx2 && !hit; x++)
        for (let y = gy1; y <= gy2 && !hit; y++) {
          const list = cells.get(x * KEY_STRIDE + y);
          if (list) hit = clashes(list, boxes, classes, i, c, t);
        }
    }
    if (hit) continue;
    kept[k++] = i;
    all.push(i);
    const key = Math.floor(cx / cell) * KEY_STRIDE + Math.floor(cy / cell);
    const list = cells.get(key);
    if (list) list.push(i);
    else cells.set(key, [i]);
  }
  return kept.slice(0, k);
}

function clashes(
  list: readonly number[],
  boxes: Float64Array,
  classes: Int32Array,
  i: number,
  c: number,
  thr: number,
): boolean {
  for (const j of list) if (classes[j] !== c && iouAt(boxes, i, j) > thr) return true;
  return false;
}

/** Median of the longer box side over up to ~1000 boxes: the grid's cell size. */
function medianSide(boxes: Float64Array, order: Int32Array): number {
  const sides: number[] = [];
  const step = Math.max(1, Math.floor(order.length / 1024));
  for (let o = 0; o < order.length; o += step) {
    const i = order[o] as number;
    sides.push(
      Math.max(
        (boxes[i * 4 + 2] as number) - (boxes[i * 4] as number),
        (boxes[i * 4 + 3] as number) - (boxes[i * 4 + 1] as number),
      ),
    );
  }
  sides.sort((a, b) => a - b);
  const m = sides[sides.length >> 1];
  return m !== undefined && m > 0 ? m : 1;
}
