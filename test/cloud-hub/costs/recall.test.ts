import { describe, expect, it } from 'vitest';
import { estimateRecall } from '../../../cloud-hub/src/costs/recall.ts';

describe('estimateRecall', () => {
  it('a hand-worked day: 900 confirmed passes, 17 000 rejected, 170 audited, 2 misses', () => {
    // q = 2/170 = 0.011765; Wilson 95% [0.003232, 0.041875]
    // M = q × 17 000 = 200 missed frames → recall 900 / 1100 = 0.8182
    // interval [900 / (900 + 0.041875 × 17 000), 900 / (900 + 0.003232 × 17 000)] = [0.5584, 0.9425]
    const r = estimateRecall({ positives: 900, rejected: 17_000, audited: 170, misses: 2 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.recall).toBeCloseTo(0.81818, 5);
    expect(r.estimatedMissedFrames).toBeCloseTo(200, 6);
    expect(r.low).toBeCloseTo(0.5584, 4);
    expect(r.high).toBeCloseTo(0.9425, 4);
    expect(r.missRate.low).toBeCloseTo(0.003232, 6);
  });

  it('no misses: recall 1, the interval still admits some', () => {
    // Wilson 0/100 upper = 3.8415 / 103.8415 = 0.036994 → low 50 / (50 + 0.036994 × 1000) = 0.5748
    const r = estimateRecall({ positives: 50, rejected: 1000, audited: 100, misses: 0 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.recall).toBe(1);
    expect(r.high).toBe(1);
    expect(r.low).toBeCloseTo(0.5748, 4);
  });

  it.each([
    [{ positives: 10, rejected: 100, audited: 0, misses: 0 }, /no audit frames/],
    [
      { positives: 10, rejected: 5, audited: 10, misses: 0 },
      /more audited frames \(10\) than rejected \(5\)/,
    ],
    [{ positives: 10, rejected: 100, audited: 10, misses: 11 }, /more misses/],
    [{ positives: 0, rejected: 100, audited: 10, misses: 0 }, /no object of interest/],
    [{ positives: NaN, rejected: 100, audited: 10, misses: 0 }, /whole numbers/],
  ])('says why it cannot estimate: %o', (input, reason) => {
    const r = estimateRecall(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
