// The edge pre-filter's recall, estimated from audit frames.
//
// Of the frames the pre-filter ran on, it passed some and rejected R. A random share of the
// rejected frames is uploaded anyway as `audit` (A of them); when the cloud finds an object of
// interest in one, that is a miss (m of A). Audits are a simple random sample of the rejected
// frames, so
//   miss rate among rejected frames   q = m / A            (Wilson interval [q_lo, q_hi])
//   missed frames, estimated          M = q · R            (= m scaled by 1 / audit rate R/A)
//   recall (frames with an object of interest that the pre-filter passed, over all of them)
//                                     recall = P / (P + M)
// where P counts passed frames in which the cloud confirmed an object of interest. Recall falls
// as q rises, so its interval is [P / (P + q_hi·R), P / (P + q_lo·R)]. P is counted, not
// sampled, so the interval carries the audit sampling error only.
import { wilsonInterval } from './wilson.ts';

export interface RecallInput {
  /** Passed frames in which the cloud confirmed an object of interest (P). */
  positives: number;
  /** Frames the pre-filter ran on and rejected, audited ones included (R). */
  rejected: number;
  /** Rejected frames uploaded as audit and detected in the cloud (A). */
  audited: number;
  /** Audit frames with an object of interest in the cloud's (cleaned) detections (m). */
  misses: number;
}

export type RecallEstimate =
  | {
      ok: true;
      recall: number;
      low: number;
      high: number;
      missRate: { estimate: number; low: number; high: number };
      estimatedMissedFrames: number;
      confidence: number;
    }
  | { ok: false; reason: string };

const whole = (v: number) => Number.isInteger(v) && v >= 0;

export function estimateRecall(input: RecallInput, confidence = 0.95): RecallEstimate {
  const { positives: P, rejected: R, audited: A, misses: m } = input;
  if (![P, R, A, m].every(whole))
    return { ok: false, reason: 'counts must be whole numbers of at least 0' };
  if (A === 0) return { ok: false, reason: 'no audit frames yet: recall cannot be estimated' };
  if (A > R) return { ok: false, reason: `more audited frames (${A}) than rejected (${R})` };
  if (m > A) return { ok: false, reason: `more misses (${m}) than audited frames (${A})` };
  const q = wilsonInterval(m, A, confidence);
  if (!q) return { ok: false, reason: `confidence must be between 0 and 1, got ${confidence}` };
  const M = q.estimate * R;
  if (P + M === 0)
    return { ok: false, reason: 'no object of interest seen in passed or audited frames' };
  const at = (rate: number) => (P + rate * R > 0 ? P / (P + rate * R) : 0);
  return {
    ok: true,
    recall: P / (P + M),
    low: at(q.high),
    high: at(q.low),
    missRate: q,
    estimatedMissedFrames: M,
    confidence,
  };
}
