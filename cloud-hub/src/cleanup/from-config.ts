// hub.yaml cleanup settings (already resolved for a camera and time by shared/src/config's
// cleanupAt) onto CleanupRules. Areas: a number is a fraction of the frame, "400px" is pixels.
import type { CleanupSettings } from '@pretag/shared/config/hub-schema';
import type { AreaLimit, CleanupRules, MaskAnchor } from './rules.ts';

/** What hub.yaml does not (yet) say: the mask anchor point and clipping. */
export interface CleanupExtras {
  maskAnchor?: MaskAnchor;
  clip?: boolean;
}

/** Parse an area limit as hub.yaml writes it; undefined when it is neither form. */
export function parseAreaLimit(v: number | string): AreaLimit | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? { fraction: v } : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*px$/.exec(v.trim());
  return m ? { pixels: Number(m[1]) } : undefined;
}

/**
 * Rules for one camera at one time. The config loader has validated the settings, so an
 * unparseable area cannot occur; it would fall back to no limit rather than throw.
 */
export function rulesFromSettings(s: CleanupSettings, extras: CleanupExtras = {}): CleanupRules {
  return {
    classes: s.classes,
    rename: s.rename,
    minScore: s.min_score,
    classMinScore: s.class_min_score,
    minArea: parseAreaLimit(s.min_area) ?? { fraction: 0 },
    maxArea: parseAreaLimit(s.max_area) ?? { fraction: 1 },
    aspectRatio: { min: s.aspect_ratio.min, max: s.aspect_ratio.max },
    masks: s.masks,
    maskAnchor: extras.maskAnchor ?? 'bottom-centre',
    nmsIou: s.nms_iou,
    duplicateIou: s.duplicate_iou,
    clip: extras.clip ?? true,
  };
}
