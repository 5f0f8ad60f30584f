// Box maths on [x1, y1, x2, y2] boxes. Degenerate boxes (zero or negative size, NaN) have area 0
// and overlap nothing, so they can never suppress or be suppressed.
import type { BoxXYXY } from './types.ts';

/** Positive part; NaN becomes 0 too (`NaN > 0` is false). */
const pos = (v: number): number => (v > 0 ? v : 0);

export function boxArea(b: Readonly<BoxXYXY>): number {
  return pos(b[2] - b[0]) * pos(b[3] - b[1]);
}

export function intersectionArea(a: Readonly<BoxXYXY>, b: Readonly<BoxXYXY>): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return pos(w) * pos(h);
}

/** Intersection over union in 0..1; 0 when either box is empty. */
export function iou(a: Readonly<BoxXYXY>, b: Readonly<BoxXYXY>): number {
  const inter = intersectionArea(a, b);
  if (inter <= 0) return 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * IoU of boxes i and j in a flat array of boxes (4 numbers each), as model outputs come.
 * Same rules as `iou`.
 */
export function iouAt(boxes: ArrayLike<number>, i: number, j: number): number {
  const a = i * 4;
  const b = j * 4;
  const ax1 = boxes[a] as number;
  const ay1 = boxes[a + 1] as number;
  const ax2 = boxes[a + 2] as number;
  const ay2 = boxes[a + 3] as number;
  const bx1 = boxes[b] as number;
  const by1 = boxes[b + 1] as number;
  const bx2 = boxes[b + 2] as number;
  const by2 = boxes[b + 3] as number;
  const inter =
    pos(Math.min(ax2, bx2) - Math.max(ax1, bx1)) * pos(Math.min(ay2, by2) - Math.max(ay1, by1));
  if (inter <= 0) return 0;
  const union = pos(ax2 - ax1) * pos(ay2 - ay1) + pos(bx2 - bx1) * pos(by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}
