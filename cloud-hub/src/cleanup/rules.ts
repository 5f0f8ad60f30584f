// What cleanup needs to know for one camera at one time: the resolved hub.yaml `cleanup` settings
// (defaults <- camera <- schedule window, resolved by shared/src/config) mapped onto plain numbers.

/** A box-area limit: a fraction of the frame (0..1) or an absolute number of pixels. */
export type AreaLimit = { fraction: number } | { pixels: number };

/** Which point of a box decides whether it sits inside a mask. */
export type MaskAnchor = 'bottom-centre' | 'centre';

/**
 * Every rule is keyed by the detector's own class names; `rename` only changes the label written
 * out (and the class NMS groups by), so allow-lists and thresholds survive a rename edit.
 */
export interface CleanupRules {
  /** Detector classes to keep, or 'all'. */
  classes: 'all' | readonly string[];
  /** Detector class -> output label. Classes renamed to the same label are one class for NMS. */
  rename: Readonly<Record<string, string>>;
  /** Default minimum score (a box is kept when score >= threshold). */
  minScore: number;
  /** Per detector class minimum score, overriding `minScore`. */
  classMinScore: Readonly<Record<string, number>>;
  minArea: AreaLimit;
  maxArea: AreaLimit;
  /** Width / height limits, inclusive. */
  aspectRatio: { min: number; max: number };
  /** Normalised polygons as flat [x1, y1, x2, y2, ...] lists; boxes anchored inside are dropped. */
  masks: readonly (readonly number[])[];
  maskAnchor: MaskAnchor;
  /** Same output label and IoU above this: the lower score goes. 1 disables. */
  nmsIou: number;
  /** Different output labels and IoU above this: the lower score goes. 1 disables. */
  duplicateIou: number;
  /** Clip boxes to the frame before measuring them (default true). */
  clip: boolean;
}

/** Why a detection was dropped, in the order the checks run. */
export const DROP_REASONS = [
  'invalid',
  'class',
  'score',
  'empty',
  'min-area',
  'max-area',
  'aspect-ratio',
  'mask',
  'nms',
  'duplicate',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Rules that keep everything valid: the neutral starting point for tests and overrides. */
export const PERMISSIVE_RULES: CleanupRules = Object.freeze({
  classes: 'all',
  rename: {},
  minScore: 0,
  classMinScore: {},
  minArea: { fraction: 0 },
  maxArea: { fraction: 1 },
  aspectRatio: { min: 0, max: Infinity },
  masks: [],
  maskAnchor: 'bottom-centre',
  nmsIou: 1,
  duplicateIou: 1,
  clip: true,
});
