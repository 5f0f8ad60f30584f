// Threshold suggestions from reviews, per camera and class. A reviewed pre-tagged box is
// `accepted`, `fixed` (right object, box or label adjusted: not a false positive) or `rejected`
// (no such object: a false positive). `missed` counts objects of the class reviewers had to add
// plus audit misses: what the threshold let slip.
//
// The band is the boxes scored in [t, t + band): the ones a threshold change would decide.
//   raise  when the band holds at least minReviews boxes and the Wilson lower bound of its
//          rejection rate is above raiseAbove: most boxes just over t are false positives;
//   lower  when the band holds at least minReviews boxes, the Wilson upper bound of its rejection
//          rate is below lowerBelow (boxes near t are nearly all right), and the miss rate
//          missed / (missed + accepted + fixed) is above missAbove;
//   keep   otherwise, with the reason.
// Wilson bounds make a handful of reviews unable to move a threshold. Steps stay within
// [minThreshold, maxThreshold].
import { wilsonInterval } from './wilson.ts';

export type Verdict = 'accepted' | 'fixed' | 'rejected';

export interface Review {
  score: number;
  verdict: Verdict;
}

export interface ThresholdInput {
  camera: string;
  label: string;
  /** The threshold in force. */
  threshold: number;
  reviews: readonly Review[];
  missed: number;
}

export interface ThresholdRule {
  band: number;
  step: number;
  minReviews: number;
  raiseAbove: number;
  lowerBelow: number;
  missAbove: number;
  confidence: number;
  minThreshold: number;
  maxThreshold: number;
}

export const DEFAULT_THRESHOLD_RULE: ThresholdRule = {
  band: 0.1,
  step: 0.05,
  minReviews: 20,
  raiseAbove: 0.5,
  lowerBelow: 0.2,
  missAbove: 0.1,
  confidence: 0.95,
  minThreshold: 0.05,
  maxThreshold: 0.95,
};

export interface ThresholdSuggestion {
  camera: string;
  label: string;
  current: number;
  suggested: number;
  action: 'raise' | 'lower' | 'keep';
  why: string;
  band: {
    reviews: number;
    rejected: number;
    rejectionLow: number | null;
    rejectionHigh: number | null;
  };
  missRate: number | null;
}

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
// Thresholds are shown to two decimals; keep float noise (0.45000000000000007) out of configs.
const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function suggestThreshold(
  input: ThresholdInput,
  rule: ThresholdRule = DEFAULT_THRESHOLD_RULE,
): ThresholdSuggestion {
  const t = input.threshold;
  const base = { camera: input.camera, label: input.label, current: t };
  const reviews: readonly Review[] = Array.isArray(input.reviews) ? input.reviews : [];
  const inBand = reviews.filter(
    (r) => Number.isFinite(r.score) && r.score >= t && r.score < t + rule.band,
  );
  const rejected = inBand.filter((r) => r.verdict === 'rejected').length;
  const good = reviews.filter((r) => r.verdict === 'accepted' || r.verdict === 'fixed').length;
  const missed = Number.isFinite(input.missed) && input.missed > 0 ? input.missed : 0;
  const missRate = missed + good > 0 ? missed / (missed + good) : null;
  const w = wilsonInterval(rejected, inBand.length, rule.confidence);
  const band = {
    reviews: inBand.length,
    rejected,
    rejectionLow: w?.low ?? null,
    rejectionHigh: w?.high ?? null,
  };
  const keep = (why: string): ThresholdSuggestion => ({
    ...base,
    suggested: t,
    action: 'keep',
    why,
    band,
    missRate,
  });
  const range = `[${t.toFixed(2)}, ${(t + rule.band).toFixed(2)})`;

  if (!Number.isFinite(t)) return keep(`threshold ${t} is not a number`);
  if (!w || inBand.length < rule.minReviews)
    return keep(`${inBand.length} reviewed boxes scored in ${range}; ${rule.minReviews} needed`);
  const seen = `${rejected} of ${inBand.length} boxes scored in ${range} were rejected (${pct(w.estimate)}, ${pct(rule.confidence)} interval ${pct(w.low)}–${pct(w.high)})`;
  if (w.low > rule.raiseAbove) {
    const suggested = round(Math.min(rule.maxThreshold, t + rule.step));
    if (suggested > t)
      return {
        ...base,
        suggested,
        action: 'raise',
        why: `${seen}: above ${pct(rule.raiseAbove)}`,
        band,
        missRate,
      };
    return keep(`${seen}, but the threshold is already at the ${rule.maxThreshold} ceiling`);
  }
  if (w.high < rule.lowerBelow && missRate !== null && missRate > rule.missAbove) {
    const suggested = round(Math.max(rule.minThreshold, t - rule.step));
    const why = `${seen}, below ${pct(rule.lowerBelow)}, and ${missed} objects were missed (${pct(missRate)} > ${pct(rule.missAbove)})`;
    if (suggested < t) return { ...base, suggested, action: 'lower', why, band, missRate };
    return keep(`${why}, but the threshold is already at the ${rule.minThreshold} floor`);
  }
  return keep(`${seen}; no change warranted`);
}
