// Cleanup of the full detector's boxes before they reach annotators: a pure, stateless function
// of (detections, rules, frame size). The caller resolves the rules for the camera and the
// time-of-day window (shared/src/config cleanupAt + rulesFromSettings).
//
// Checks run in this order; a box is counted once, under the first check it fails:
//   invalid       non-finite score or corner, inverted box (x2 < x1 or y2 < y1), missing label
//   class         detector class not on the allow-list (rename does not matter: see rules.ts)
//   score         score below the class's threshold (class_min_score, else min_score)
//   empty         nothing left inside the frame after clipping (or zero width or height)
//   min-area      clipped area below min_area  (pixels, or fraction × width × height)
//   max-area      clipped area above max_area
//   aspect-ratio  clipped width / height outside [min, max]
//   mask          the anchor point (bottom-centre by default) inside a mask polygon
//   nms           class-aware NMS by output label (after rename), IoU > nms_iou
//   duplicate     a kept box of another output label overlaps with IoU > duplicate_iou
// The hot loop works on typed arrays and allocates only the kept output objects.
import { nmsIndices } from '@pretag/shared/detection/nms';
import type { Detection } from '@pretag/shared/detection/types';
import { suppressCrossClass } from './duplicates.ts';
import { containsPoint, preparePolygon } from '@pretag/shared/geometry/polygon';
import type { PreparedPolygon } from '@pretag/shared/geometry/polygon';
import { DROP_REASONS } from './rules.ts';
import type { AreaLimit, CleanupRules, DropReason } from './rules.ts';

export interface FrameSize {
  width: number;
  height: number;
}

export interface CleanupResult {
  /** Kept detections in input order: output label, clipped box (when clipping), same score. */
  kept: Detection[];
  /** Input index of each kept detection. */
  keptIndices: number[];
  /** How many were dropped for each reason; every reason is present. */
  dropped: Record<DropReason, number>;
  /** Number of input detections. */
  total: number;
  /** Set when the call itself was unusable (bad frame size); then nothing is kept. */
  error?: string;
}

interface ClassInfo {
  allowed: boolean;
  minScore: number;
  label: string;
  id: number;
}

// Reason codes as small integers for the hot loop.
const R_INVALID = 0;
const R_CLASS = 1;
const R_SCORE = 2;
const R_EMPTY = 3;
const R_MIN_AREA = 4;
const R_MAX_AREA = 5;
const R_ASPECT = 6;
const R_MASK = 7;
const R_NMS = 8;
const R_DUPLICATE = 9;
const KEPT = 255;

function zeroCounts(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
}

function areaPixels(limit: AreaLimit, frameArea: number): number {
  return 'fraction' in limit ? limit.fraction * frameArea : limit.pixels;
}

export function cleanDetections(
  detections: readonly Detection[],
  rules: CleanupRules,
  frame: FrameSize,
): CleanupResult {
  const n = detections.length;
  const dropped = zeroCounts();
  const W = frame.width;
  const H = frame.height;
  if (!(Number.isFinite(W) && Number.isFinite(H) && W > 0 && H > 0)) {
    dropped.invalid = n;
    return {
      kept: [],
      keptIndices: [],
      dropped,
      total: n,
      error: `frame size must be positive and finite, got ${W}×${H}`,
    };
  }

  const allow = rules.classes === 'all' ? undefined : new Set(rules.classes);
  const outIds = new Map<string, number>();
  const classes = new Map<string, ClassInfo>();
  const classInfo = (name: string): ClassInfo => {
    let info = classes.get(name);
    if (!info) {
      const label = Object.hasOwn(rules.rename, name) ? (rules.rename[name] as string) : name;
      let id = outIds.get(label);
      if (id === undefined) {
        id = outIds.size;
        outIds.set(label, id);
      }
      const own = Object.hasOwn(rules.classMinScore, name) ? rules.classMinScore[name] : undefined;
      info = { allowed: !allow || allow.has(name), minScore: own ?? rules.minScore, label, id };
      classes.set(name, info);
    }
    return info;
  };

  const minPx = areaPixels(rules.minArea, W * H);
  const maxPx = areaPixels(rules.maxArea, W * H);
  const minAr = rules.aspectRatio.min;
  const maxAr = rules.aspectRatio.max;
  const masks: PreparedPolygon[] = [];
  for (const m of rules.masks) {
    const p = preparePolygon(m);
    if (p) masks.push(p);
  }
  const bottom = rules.maskAnchor === 'bottom-centre';
  const clip = rules.clip;

  const reasons = new Uint8Array(n);
  // Survivors of the per-box checks, compacted: boxes (clipped), scores, output class, input index.
  const boxes = new Float64Array(n * 4);
  const scores = new Float64Array(n);
  const cls = new Int32Array(n);
  const origin = new Int32Array(n);
  let m = 0;

  for (let i = 0; i < n; i++) {
    const d = detections[i];
    const box = d?.box;
    if (!d || typeof d.label !== 'string' || !Array.isArray(box) || box.length !== 4) {
      reasons[i] = R_INVALID;
      continue;
    }
    const x1 = box[0];
    const y1 = box[1];
    const x2 = box[2];
    const y2 = box[3];
    const score = d.score;
    // Number.isFinite is also false for strings and nulls from loosely typed callers.
    if (
      !Number.isFinite(score) ||
      !Number.isFinite(x1) ||
      !Number.isFinite(y1) ||
      !Number.isFinite(x2) ||
      !Number.isFinite(y2) ||
      x2 < x1 ||
      y2 < y1
    ) {
      reasons[i] = R_INVALID;
      continue;
    }
    const info = classInfo(d.label);
    if (!info.allowed) {
      reasons[i] = R_CLASS;
      continue;
    }
    if (score < info.minScore) {
      reasons[i] = R_SCORE;
      continue;
    }
    let bx1 = x1;
    let by1 = y1;
    let bx2 = x2;
    let by2 = y2;
    if (clip) {
      if (bx1 < 0) bx1 = 0;
      if (by1 < 0) by1 = 0;
      if (bx2 > W) bx2 = W;
      if (by2 > H) by2 = H;
    }
    const w = bx2 - bx1;
    const h = by2 - by1;
    // Unclipped boxes must still overlap the frame.
    if (!(w > 0 && h > 0) || bx2 <= 0 || by2 <= 0 || bx1 >= W || by1 >= H) {
      reasons[i] = R_EMPTY;
      continue;
    }
    const area = w * h;
    if (area < minPx) {
      reasons[i] = R_MIN_AREA;
      continue;
    }
    if (area > maxPx) {
      reasons[i] = R_MAX_AREA;
      continue;
    }
    const ar = w / h;
    if (ar < minAr || ar > maxAr) {
      reasons[i] = R_ASPECT;
      continue;
    }
    if (masks.length) {
      const ax = (bx1 + bx2) / 2 / W;
      const ay = (bottom ? by2 : (by1 + by2) / 2) / H;
      let masked = false;
      for (const p of masks)
        if (containsPoint(p, ax, ay)) {
          masked = true;
          break;
        }
      if (masked) {
        reasons[i] = R_MASK;
        continue;
      }
    }
    boxes[m * 4] = bx1;
    boxes[m * 4 + 1] = by1;
    boxes[m * 4 + 2] = bx2;
    boxes[m * 4 + 3] = by2;
    scores[m] = score;
    cls[m] = info.id;
    origin[m] = i;
    reasons[i] = R_NMS; // provisional: cleared below if NMS and dedupe keep it
    m++;
  }

  const boxesM = boxes.subarray(0, m * 4);
  const scoresM = scores.subarray(0, m);
  const clsM = cls.subarray(0, m);
  let order: Int32Array;
  if (rules.nmsIou < 1) {
    order = nmsIndices(
      { boxes: boxesM, scores: scoresM, classes: clsM },
      { iouThreshold: Math.max(0, rules.nmsIou), classAware: true },
    );
  } else {
    order = new Int32Array(m);
    for (let k = 0; k < m; k++) order[k] = k;
    order.sort((a, b) => (scoresM[b] as number) - (scoresM[a] as number) || a - b);
  }
  let final = order;
  if (rules.duplicateIou < 1) {
    for (let k = 0; k < order.length; k++)
      reasons[origin[order[k] as number] as number] = R_DUPLICATE;
    final = suppressCrossClass(boxesM, clsM, order, Math.max(0, rules.duplicateIou));
  }
  const keep = new Uint8Array(m);
  for (let k = 0; k < final.length; k++) keep[final[k] as number] = 1;

  const labels = [...outIds.keys()];
  const kept: Detection[] = [];
  const keptIndices: number[] = [];
  for (let k = 0; k < m; k++) {
    if (!keep[k]) continue;
    const i = origin[k] as number;
    const b = k * 4;
    kept.push({
      label: labels[cls[k] as number] as string,
      score: scores[k] as number,
      box: [
        boxes[b] as number,
        boxes[b + 1] as number,
        boxes[b + 2] as number,
        boxes[b + 3] as number,
      ],
    });
    keptIndices.push(i);
    reasons[i] = KEPT;
  }
  const counts = new Array<number>(DROP_REASONS.length).fill(0);
  for (let i = 0; i < n; i++) {
    const r = reasons[i] as number;
    if (r !== KEPT) counts[r] = (counts[r] as number) + 1;
  }
  DROP_REASONS.forEach((r, k) => (dropped[r] = counts[k] as number));
  return { kept, keptIndices, dropped, total: n };
}
