// Agreement between two reviewers on one double-reviewed sample, and who is far from the
// consensus. Pure.
//
// Per sample: each reviewer's ground truth (quality/ground-truth.ts) is a set of labelled boxes;
// boxes match when the labels are equal and IoU ≥ 0.5 (greedy, best IoU first). Agreement is
// the Dice coefficient 2·matched / (|A| + |B|), 1 when both found nothing.
//
// Flag rule: a reviewer with at least `minSamples` double-reviewed samples is flagged when
// their mean agreement is more than `gap` below the mean agreement of the pairs that do not
// include them (the consensus of everyone else), or, when there are no such pairs, below
// `floor`.
import { matchCount } from '../shadow/agreement.ts';
import type { GtBox } from '../quality/ground-truth.ts';

export function boxAgreement(a: readonly GtBox[], b: readonly GtBox[]): number {
  if (a.length + b.length === 0) return 1;
  let matched = 0;
  for (const label of new Set([...a, ...b].map((x) => x.label))) {
    const pa = a.filter((x) => x.label === label).map((x) => ({ ...x, score: 1 }));
    const pb = b.filter((x) => x.label === label).map((x) => ({ ...x, score: 1 }));
    matched += matchCount(pa, pb);
  }
  return (2 * matched) / (a.length + b.length);
}

export interface PairResult {
  sampleId: number;
  reviewers: [string, string];
  agreement: number;
}

export interface FlagSettings {
  minSamples: number;
  gap: number;
  floor: number;
}

export const DEFAULT_FLAG: FlagSettings = { minSamples: 5, gap: 0.15, floor: 0.6 };

export interface ReviewerAgreement {
  reviewer: string;
  doubleReviewed: number;
  agreement: number | null;
  /** Mean agreement of the pairs without this reviewer; null when there are none. */
  othersAgreement: number | null;
  flagged: boolean;
  why: string | null;
}

const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

export function reviewerAgreement(
  pairs: readonly PairResult[],
  reviewers: readonly string[],
  s: FlagSettings = DEFAULT_FLAG,
): ReviewerAgreement[] {
  return reviewers.map((r) => {
    const mine = pairs.filter((p) => p.reviewers.includes(r)).map((p) => p.agreement);
    const others = mean(pairs.filter((p) => !p.reviewers.includes(r)).map((p) => p.agreement));
    const m = mean(mine);
    let why: string | null = null;
    if (m !== null && mine.length >= s.minSamples) {
      if (others !== null && m < others - s.gap)
        why = `agreement ${m.toFixed(2)} is ${(others - m).toFixed(2)} below the others' ${others.toFixed(2)} (limit ${s.gap})`;
      else if (others === null && m < s.floor)
        why = `agreement ${m.toFixed(2)} is below ${s.floor} and no other pairs to compare with`;
    }
    return {
      reviewer: r,
      doubleReviewed: mine.length,
      agreement: m,
      othersAgreement: others,
      flagged: why !== null,
      why,
    };
  });
}
