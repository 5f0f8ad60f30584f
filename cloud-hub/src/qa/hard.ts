// Hard examples: frames a reviewer learns the most from.
//   audit-miss      an audit frame (the edge rejected it) in which the cloud found an object of
//                   interest: a pre-filter miss
//   disagreement    edge and cloud boxes matched one-to-one at IoU ≥ match_iou (class-agnostic,
//                   cloud boxes by score, each taking its best free edge box): a box left
//                   unmatched on either side, or a matched pair with different labels
//   near-threshold  any edge box with |score − edge threshold| < margin, or any cloud box with
//                   |score − its class's cleanup threshold| < margin
// Boxes with a non-finite score or corner are ignored.
import { iou } from '@pretag/shared/detection/iou';
import type { Detection } from '@pretag/shared/detection/types';
import type { QaFrame } from './types.ts';

export const HARD_TAGS = ['audit-miss', 'disagreement', 'near-threshold'] as const;
export type HardTag = (typeof HARD_TAGS)[number];

export interface HardOptions {
  /** Margin around a threshold that counts as "near" (default 0.05). */
  nearMargin: number;
  /** IoU at which an edge and a cloud box are the same object (default 0.5). */
  matchIou: number;
  /** Classes that count for audit misses and disagreements; undefined: every class. */
  classesOfInterest?: readonly string[];
}

export const DEFAULT_HARD_OPTIONS: HardOptions = { nearMargin: 0.05, matchIou: 0.5 };

export function usable(d: Detection | undefined): d is Detection {
  return (
    !!d &&
    typeof d.label === 'string' &&
    Number.isFinite(d.score) &&
    Array.isArray(d.box) &&
    d.box.length === 4 &&
    d.box.every((v) => Number.isFinite(v))
  );
}

/** Edge and cloud boxes that found no partner, and matched pairs whose labels differ. */
export function compareDetections(
  edge: readonly Detection[],
  cloud: readonly Detection[],
  matchIou: number,
): { unmatchedEdge: number; unmatchedCloud: number; labelMismatches: number } {
  const e = edge.filter(usable);
  const c = cloud.filter(usable).sort((a, b) => b.score - a.score);
  const taken = new Uint8Array(e.length);
  let unmatchedCloud = 0;
  let labelMismatches = 0;
  for (const cd of c) {
    let best = -1;
    let bestIou = matchIou;
    e.forEach((ed, j) => {
      if (taken[j]) return;
      const v = iou(cd.box, ed.box);
      if (v >= bestIou && (best < 0 || v > bestIou)) {
        best = j;
        bestIou = v;
      }
    });
    if (best < 0) unmatchedCloud++;
    else {
      taken[best] = 1;
      if ((e[best] as Detection).label !== cd.label) labelMismatches++;
    }
  }
  const unmatchedEdge = taken.reduce((n, t) => n + (t ? 0 : 1), 0);
  return { unmatchedEdge, unmatchedCloud, labelMismatches };
}

/** The hard-example tags that apply to a frame, most important first. */
export function hardTags(frame: QaFrame, options: HardOptions = DEFAULT_HARD_OPTIONS): HardTag[] {
  const tags: HardTag[] = [];
  const interest = options.classesOfInterest ? new Set(options.classesOfInterest) : undefined;
  const ofInterest = (d: Detection) => usable(d) && (!interest || interest.has(d.label));
  // Weak edge boxes (below the edge's min score) ride along for context; only accepted ones
  // are the edge's verdict to agree or disagree with.
  const accepted = (d: Detection) =>
    frame.edgeMinScore === undefined || d.score >= frame.edgeMinScore;
  const edge = Array.isArray(frame.edge)
    ? frame.edge.filter((d: Detection) => ofInterest(d) && accepted(d))
    : [];
  const cloud = Array.isArray(frame.cloud) ? frame.cloud.filter(ofInterest) : [];

  if (frame.reason === 'audit') {
    if (cloud.length > 0) tags.push('audit-miss');
  } else {
    const cmp = compareDetections(edge, cloud, options.matchIou);
    if (cmp.unmatchedEdge + cmp.unmatchedCloud + cmp.labelMismatches > 0) tags.push('disagreement');
  }

  const m = options.nearMargin;
  const near = (score: number, t: number | undefined) =>
    t !== undefined && Number.isFinite(t) && Math.abs(score - t) < m;
  const cloudThreshold = (label: string): number | undefined =>
    frame.cloudClassMinScore && Object.hasOwn(frame.cloudClassMinScore, label)
      ? frame.cloudClassMinScore[label]
      : frame.cloudMinScore;
  const edgeAll = Array.isArray(frame.edge) ? frame.edge.filter(usable) : [];
  const cloudAll = Array.isArray(frame.cloud) ? frame.cloud.filter(usable) : [];
  if (
    edgeAll.some((d) => near(d.score, frame.edgeMinScore)) ||
    cloudAll.some((d) => near(d.score, cloudThreshold(d.label)))
  )
    tags.push('near-threshold');
  return tags;
}
