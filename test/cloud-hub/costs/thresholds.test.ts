import { describe, expect, it } from 'vitest';
import { suggestThreshold } from '../../../cloud-hub/src/costs/thresholds.ts';
import type { ThresholdInput, Verdict } from '../../../cloud-hub/src/costs/thresholds.ts';

const reviews = (n: number, score: number, verdict: Verdict) =>
  Array.from({ length: n }, () => ({ score, verdict }));
const input = (over: Partial<ThresholdInput>): ThresholdInput => ({
  camera: 'dock-3',
  label: 'person',
  threshold: 0.4,
  reviews: [],
  missed: 0,
  ...over,
});

describe('suggestThreshold (band 0.1, step 0.05, ≥ 20 reviews, 95 % Wilson bounds)', () => {
  it('raises when most boxes just over t are rejected', () => {
    // band [0.40, 0.50): 24 of 30 rejected; Wilson lower 0.627 > 0.5 → 0.40 + 0.05
    const s = suggestThreshold(
      input({ reviews: [...reviews(24, 0.42, 'rejected'), ...reviews(6, 0.45, 'accepted')] }),
    );
    expect(s.action).toBe('raise');
    expect(s.suggested).toBe(0.45);
    expect(s.band.rejectionLow).toBeCloseTo(0.627, 3);
    expect(s.why).toMatch(/24 of 30 boxes scored in \[0\.40, 0\.50\) were rejected/);
  });

  it('keeps when half are rejected: the lower bound 0.352 is not above 0.5', () => {
    const s = suggestThreshold(
      input({ reviews: [...reviews(20, 0.41, 'rejected'), ...reviews(20, 0.41, 'accepted')] }),
    );
    expect(s.action).toBe('keep');
    expect(s.suggested).toBe(0.4);
  });

  it('lowers when near-threshold boxes are right and objects are missed', () => {
    // band: 1 of 40 rejected → Wilson upper 0.129 < 0.2;
    // accepted or fixed: 39 in band + 20 above = 59; missed 15 → 15 / 74 = 0.203 > 0.1 → 0.35
    const s = suggestThreshold(
      input({
        reviews: [
          ...reviews(1, 0.43, 'rejected'),
          ...reviews(30, 0.43, 'accepted'),
          ...reviews(9, 0.47, 'fixed'),
          ...reviews(20, 0.8, 'accepted'),
        ],
        missed: 15,
      }),
    );
    expect(s.action).toBe('lower');
    expect(s.suggested).toBe(0.35);
    expect(s.missRate).toBeCloseTo(15 / 74, 12);
  });

  it('keeps without misses, even when near-threshold boxes are all right', () => {
    const s = suggestThreshold(input({ reviews: reviews(40, 0.43, 'accepted'), missed: 0 }));
    expect(s.action).toBe('keep');
  });

  it('keeps with too few reviews in the band, and says so', () => {
    // 12 rejected in the band; the 30 at 0.9 are outside [0.40, 0.50)
    const s = suggestThreshold(
      input({ reviews: [...reviews(12, 0.41, 'rejected'), ...reviews(30, 0.9, 'rejected')] }),
    );
    expect(s.action).toBe('keep');
    expect(s.why).toBe('12 reviewed boxes scored in [0.40, 0.50); 20 needed');
  });

  it('stops at the ceiling', () => {
    const s = suggestThreshold(input({ threshold: 0.95, reviews: reviews(30, 0.96, 'rejected') }));
    expect(s.action).toBe('keep');
    expect(s.why).toMatch(/ceiling/);
  });

  it('ignores NaN scores and bad miss counts', () => {
    const s = suggestThreshold(input({ reviews: [...reviews(30, NaN, 'rejected')], missed: NaN }));
    expect(s.action).toBe('keep');
    expect(s.band.reviews).toBe(0);
  });
});
