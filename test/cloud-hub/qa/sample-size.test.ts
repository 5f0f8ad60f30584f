import { describe, expect, it } from 'vitest';
import { allocateAtLeastOne, sampleSize } from '../../../cloud-hub/src/qa/sample-size.ts';

const rule = { rate: 0.05, minPerBatch: 20, maxPerBatch: 200 };

describe('sampleSize = min(N, clamp(ceil(rate × N), min, max))', () => {
  it.each([
    [0, 0], // empty batch
    [10, 10], // clamp gives 20, but only 10 frames
    [100, 20], // ceil(5) = 5 → raised to the minimum 20
    [1000, 50], // ceil(50) = 50
    [1001, 51], // ceil(50.05) = 51
    [10_000, 200], // ceil(500) → capped at 200
  ])('N = %i → n = %i', (N, n) => {
    expect(sampleSize(N, rule)).toBe(n);
  });

  it('nonsense batch sizes and rates give 0 or stay within bounds', () => {
    expect(sampleSize(NaN, rule)).toBe(0);
    expect(sampleSize(-5, rule)).toBe(0);
    expect(sampleSize(100, { ...rule, rate: NaN })).toBe(20);
  });
});

describe('allocateAtLeastOne', () => {
  it('one each, the rest by largest remainder of (size − 1)', () => {
    // 10 over sizes [1, 5, 13]: one each (3), 7 left, spare [0, 4, 12] of 16
    // → quotas [0, 1.75, 5.25] → floors [0, 1, 5] (6 given), the 7th to the 0.75 remainder
    // → [1, 1 + 2, 1 + 5]
    expect(allocateAtLeastOne(10, [1, 5, 13])).toEqual([1, 3, 6]);
  });

  it('equal strata share equally; ties in remainder go to the first stratum', () => {
    expect(allocateAtLeastOne(6, [4, 4, 4])).toEqual([2, 2, 2]);
    // 4 over [3, 3, 3]: one each, 1 left, quotas 1/3 each → the first gets it
    expect(allocateAtLeastOne(4, [3, 3, 3])).toEqual([2, 1, 1]);
  });
});
