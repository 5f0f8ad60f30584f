// Turns the detector's raw boxes and the camera's cleanup rules into what the ledger stores:
// every raw box once, kept boxes with their cleaned label and box, dropped boxes as detected with
// the check that removed them. Pure.
import type { Detection } from '@pretag/shared/detection/types';
import { cleanDetections } from '../cleanup/clean.ts';
import type { FrameSize } from '../cleanup/clean.ts';
import { DROP_REASONS } from '../cleanup/rules.ts';
import type { CleanupRules, DropReason } from '../cleanup/rules.ts';
import type { CloudDetection } from '../ledger/index.ts';

/**
 * Which check dropped `d` on its own (per-box checks do not depend on other boxes); undefined
 * when it passes them all, so only NMS or duplicate suppression can have removed it.
 */
function ownReason(d: Detection, rules: CleanupRules, frame: FrameSize): DropReason | undefined {
  const r = cleanDetections([d], rules, frame);
  if (r.kept.length === 1) return undefined;
  return DROP_REASONS.find((k) => r.dropped[k] > 0) ?? 'invalid';
}

export function toCloudDetections(
  raw: readonly Detection[],
  rules: CleanupRules,
  frame: FrameSize,
): CloudDetection[] {
  const result = cleanDetections(raw, rules, frame);
  const keptAt = new Map<number, Detection>();
  result.keptIndices.forEach((i, k) => keptAt.set(i, result.kept[k] as Detection));
  // Boxes removed only by suppression: with duplicate suppression off, a box that survives was
  // a cross-class duplicate; one that still goes lost to its own class (NMS).
  let withoutDuplicates: Set<number> | undefined;
  const suppressedBy = (i: number): DropReason => {
    if (result.dropped.duplicate === 0) return 'nms';
    withoutDuplicates ??= new Set(
      cleanDetections(raw, { ...rules, duplicateIou: 1 }, frame).keptIndices,
    );
    return withoutDuplicates.has(i) ? 'duplicate' : 'nms';
  };
  return raw.map((d, i) => {
    const kept = keptAt.get(i);
    if (kept) return { label: kept.label, score: kept.score, box: kept.box, kept: true };
    const reason = ownReason(d, rules, frame) ?? suppressedBy(i);
    return { label: d.label, score: d.score, box: d.box, kept: false, dropReason: reason };
  });
}
