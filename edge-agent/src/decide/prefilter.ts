// The per-camera pre-filter on the edge detector's output: which detections count. A pure
// function of (detections, prefilter settings, masks, frame size).
//
// Checks run in this order; a detection is counted once, under the first check it fails:
//   invalid       missing label, non-finite score or corner, inverted box (x2 < x1 or y2 < y1)
//   class         not in prefilter.classes
//   score         score below prefilter.min_score (equal passes)
//   empty         nothing left inside the frame after clipping
//   min-area      clipped area below prefilter.min_area × frame area (equal passes)
//   max-area      clipped area above prefilter.max_area × frame area (equal passes)
//   aspect-ratio  clipped width / height outside [aspect_ratio.min, aspect_ratio.max] (inclusive)
//   mask          bottom-centre inside an ignored region (camera `masks`)
//   zone          zones are set and the bottom-centre is inside none of them
// Geometry is measured on the part of the box inside the frame. A bottom-centre exactly on a
// polygon's edge counts as inside it (shared/src/geometry/polygon.ts): on a mask edge it is
// ignored, on a zone edge it counts. A point on both a mask and a zone is ignored (masks win).
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import type { Detection } from '@pretag/shared/detection/types';
import { anyContains, preparePolygons } from '@pretag/shared/geometry/polygon';

export type PrefilterSettings = EdgeSettings['prefilter'];
/** Normalised polygons, flat [x1, y1, x2, y2, ...] in 0..1. */
export type Polygons = readonly (readonly number[])[];

export interface FrameSize {
  width: number;
  height: number;
}

export const REJECT_REASONS = [
  'invalid',
  'class',
  'score',
  'empty',
  'min-area',
  'max-area',
  'aspect-ratio',
  'mask',
  'zone',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface FilterResult {
  /** Detections that count, in input order; boxes clipped to the frame. */
  accepted: Detection[];
  /** Rejections per reason; every reason is present. */
  rejected: Record<RejectReason, number>;
}

export function zeroRejections(): Record<RejectReason, number> {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
}

/** Throws RangeError for a frame size no detection can be measured against. */
function checkFrame(frame: FrameSize): void {
  const { width, height } = frame;
  if (!(Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0))
    throw new RangeError(`frame size must be positive and finite, got ${width}×${height}`);
}

export function filterDetections(
  detections: readonly Detection[],
  prefilter: PrefilterSettings,
  masks: Polygons,
  frame: FrameSize,
): FilterResult {
  checkFrame(frame);
  const W = frame.width;
  const H = frame.height;
  const classes = new Set<string>(prefilter.classes);
  const minPx = prefilter.min_area * W * H;
  const maxPx = prefilter.max_area * W * H;
  const { min: minAr, max: maxAr } = prefilter.aspect_ratio;
  const maskPolys = preparePolygons(masks);
  const zonePolys = preparePolygons(prefilter.zones);
  const rejected = zeroRejections();
  const accepted: Detection[] = [];

  const reasonFor = (d: Detection | undefined): RejectReason | Detection => {
    const box = d?.box;
    if (!d || typeof d.label !== 'string' || !Array.isArray(box) || box.length !== 4)
      return 'invalid';
    const [x1, y1, x2, y2] = box;
    if (![d.score, x1, y1, x2, y2].every(Number.isFinite) || x2 < x1 || y2 < y1) return 'invalid';
    if (!classes.has(d.label)) return 'class';
    if (d.score < prefilter.min_score) return 'score';
    const cx1 = Math.max(0, x1);
    const cy1 = Math.max(0, y1);
    const cx2 = Math.min(W, x2);
    const cy2 = Math.min(H, y2);
    const w = cx2 - cx1;
    const h = cy2 - cy1;
    if (!(w > 0 && h > 0)) return 'empty';
    const area = w * h;
    if (area < minPx) return 'min-area';
    if (area > maxPx) return 'max-area';
    const ar = w / h;
    if (ar < minAr || ar > maxAr) return 'aspect-ratio';
    // Bottom-centre: where the object stands on the floor.
    const bx = (cx1 + cx2) / 2 / W;
    const by = cy2 / H;
    if (maskPolys.length > 0 && anyContains(maskPolys, bx, by)) return 'mask';
    if (zonePolys.length > 0 && !anyContains(zonePolys, bx, by)) return 'zone';
    const clipped = cx1 !== x1 || cy1 !== y1 || cx2 !== x2 || cy2 !== y2;
    return clipped ? { ...d, box: [cx1, cy1, cx2, cy2] } : d;
  };

  for (const d of detections) {
    const r = reasonFor(d);
    if (typeof r === 'string') rejected[r]++;
    else accepted.push(r);
  }
  return { accepted, rejected };
}
