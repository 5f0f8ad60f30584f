/** Axis-aligned box in pixels of the original image: [x1, y1, x2, y2] with x2 ≥ x1, y2 ≥ y1. */
export type BoxXYXY = [x1: number, y1: number, x2: number, y2: number];

/** One detected object, as every adapter, the edge and the hub exchange it. */
export interface Detection {
  /** Class name from the model's class list (COCO names for the packaged models). */
  label: string;
  /** Confidence in 0..1. */
  score: number;
  box: BoxXYXY;
}
