// Turns one reviewer's verdicts on one QA sample into that frame's ground truth. Pure.
//
//   accepted  the pre-tagged box is right: ground truth (the box as sent, else the cloud box of
//             that label and score on the frame)
//   fixed     right object, corrected class and/or box: ground truth with the correction
//   missed    an object no pre-tag had: ground truth
//   rejected  no such object: not ground truth (the box that produced it scores as a false positive)
// A verdict whose box cannot be found is counted as unlocated and left out.
import type { BoxXYXY } from '@pretag/shared/detection/types';

export interface ReviewRow {
  id: number;
  sampleId: number;
  reviewer: string;
  verdict: 'accepted' | 'rejected' | 'fixed' | 'missed';
  label: string;
  score: number | null;
  box: BoxXYXY | null;
  createdAt: number;
}

export interface GtBox {
  label: string;
  box: BoxXYXY;
}

export interface LabelledBox {
  label: string;
  score: number;
  box: BoxXYXY;
}

export interface FrameTruth {
  boxes: GtBox[];
  rejected: number;
  unlocated: number;
}

/** The cloud box a verdict without a box refers to: same label, closest score. */
function locate(r: ReviewRow, cloud: readonly LabelledBox[]): BoxXYXY | undefined {
  let best: LabelledBox | undefined;
  for (const c of cloud) {
    if (c.label !== r.label) continue;
    if (!best || Math.abs(c.score - (r.score ?? 0)) < Math.abs(best.score - (r.score ?? 0)))
      best = c;
  }
  if (!best || (r.score !== null && Math.abs(best.score - r.score) > 1e-3)) return undefined;
  return best.box;
}

/** One reviewer's verdicts on one frame (reviews of other reviewers must be filtered out first). */
export function frameTruth(
  reviews: readonly ReviewRow[],
  cloud: readonly LabelledBox[],
): FrameTruth {
  const out: FrameTruth = { boxes: [], rejected: 0, unlocated: 0 };
  for (const r of reviews) {
    if (r.verdict === 'rejected') {
      out.rejected++;
      continue;
    }
    const box = r.box ?? (r.verdict === 'missed' ? undefined : locate(r, cloud));
    if (!box) {
      out.unlocated++;
      continue;
    }
    out.boxes.push({ label: r.label, box });
  }
  return out;
}

/** Per sample, the reviewer whose verdicts count as ground truth: the first to review it. */
export function firstReviewer(reviews: readonly ReviewRow[]): Map<number, string> {
  const first = new Map<number, { id: number; reviewer: string }>();
  for (const r of reviews) {
    const f = first.get(r.sampleId);
    if (!f || r.id < f.id) first.set(r.sampleId, { id: r.id, reviewer: r.reviewer });
  }
  return new Map([...first].map(([k, v]) => [k, v.reviewer]));
}
