// Pure planning of the rectangles to redact: face boxes and the head part of each person box,
// padded, rounded outwards to whole pixels, clipped to the frame, and merged where they touch so
// that no seam of sharp pixels is left between two neighbouring regions.
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';

/** Integer pixel rectangle, sharp's extract/composite convention. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PlanInput {
  width: number;
  height: number;
  /** Face detector output, in frame pixels. */
  faces: readonly Detection[];
  /** Pre-filter detections, in frame pixels; only person_labels are used. */
  detections: readonly Detection[];
}

export interface PlanOptions {
  head_fraction: number;
  head_width: number;
  min_face_score: number;
  person_labels: readonly string[];
  padding: number;
}

/** The head part of a person box: top head_fraction of its height, head_width of its width, centred. */
export function headBox(box: Readonly<BoxXYXY>, headFraction: number, headWidth: number): BoxXYXY {
  const [x1, y1, x2, y2] = box;
  const w = (x2 - x1) * headWidth;
  const cx = (x1 + x2) / 2;
  return [cx - w / 2, y1, cx + w / 2, y1 + (y2 - y1) * headFraction];
}

/** Pad, round outwards, clip; undefined when nothing of it is inside the frame. */
export function toRect(
  box: Readonly<BoxXYXY>,
  padding: number,
  width: number,
  height: number,
): Rect | undefined {
  const [x1, y1, x2, y2] = box;
  if (![x1, y1, x2, y2].every(Number.isFinite) || x2 <= x1 || y2 <= y1) return undefined;
  const px = (x2 - x1) * padding;
  const py = (y2 - y1) * padding;
  const left = Math.max(0, Math.floor(x1 - px));
  const top = Math.max(0, Math.floor(y1 - py));
  const right = Math.min(width, Math.ceil(x2 + px));
  const bottom = Math.min(height, Math.ceil(y2 + py));
  if (right <= left || bottom <= top) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

const touches = (a: Rect, b: Rect): boolean =>
  a.left <= b.left + b.width &&
  b.left <= a.left + a.width &&
  a.top <= b.top + b.height &&
  b.top <= a.top + a.height;

function union(a: Rect, b: Rect): Rect {
  const left = Math.min(a.left, b.left);
  const top = Math.min(a.top, b.top);
  return {
    left,
    top,
    width: Math.max(a.left + a.width, b.left + b.width) - left,
    height: Math.max(a.top + a.height, b.top + b.height) - top,
  };
}

/** Replace touching or overlapping rectangles by their bounding rectangle until none touch. */
export function mergeRects(rects: readonly Rect[]): Rect[] {
  const out = [...rects];
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++)
      for (let j = i + 1; j < out.length; j++)
        if (touches(out[i] as Rect, out[j] as Rect)) {
          out[i] = union(out[i] as Rect, out[j] as Rect);
          out.splice(j, 1);
          merged = true;
          break;
        }
  }
  return out.sort((a, b) => a.top - b.top || a.left - b.left);
}

/**
 * Rectangles to redact in a width × height frame, sorted top to bottom, left to right. Throws a
 * RangeError for a face or person box with a non-finite corner: its head cannot be located, and
 * skipping it would let a face through.
 */
export function planRedaction(input: PlanInput, opts: PlanOptions): Rect[] {
  const { width, height } = input;
  const faces = input.faces.filter((f) => f.score >= opts.min_face_score);
  const persons = input.detections.filter((d) => opts.person_labels.includes(d.label));
  for (const d of [...faces, ...persons])
    if (!d.box.every(Number.isFinite))
      throw new RangeError(`${d.label} box has a non-finite corner: [${d.box.join(', ')}]`);
  const boxes: BoxXYXY[] = [
    ...faces.map((f) => f.box),
    ...persons.map((d) => headBox(d.box, opts.head_fraction, opts.head_width)),
  ];
  const rects = boxes
    .map((b) => toRect(b, opts.padding, width, height))
    .filter((r): r is Rect => r !== undefined);
  return mergeRects(rects);
}
