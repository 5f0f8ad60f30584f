import { describe, expect, it } from 'vitest';
import { median, ratioOf, summarize } from '../../bench/lib/stats.ts';

describe('median', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('is the mean of the two middle values of an even count', () => {
    expect(median([10, 2, 8, 4])).toBe(6); // sorted 2 4 8 10 → (4 + 8) / 2
  });
  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('summarize', () => {
  it('reports medians and the median of the paired ratios', () => {
    // Pairs: 100→25 (0.25), 200→40 (0.2), 120→36 (0.3). Ratios sorted 0.2 0.25 0.3.
    const s = summarize([100, 200, 120], [25, 40, 36]);
    expect(s.baselineMedian).toBe(120);
    expect(s.subjectMedian).toBe(36);
    expect(s.ratio).toBeCloseTo(0.25, 12);
    expect(s.ratioMin).toBeCloseTo(0.2, 12);
    expect(s.ratioMax).toBeCloseTo(0.3, 12);
  });

  it('pairs by repeat, which differs from the ratio of medians when load drifts', () => {
    // Load doubles between repeats; each pair sees the same load, so every ratio is exactly 0.5,
    // while median(subject)/median(baseline) = 50/400 ≠ 0.5 would mislead.
    const s = summarize([1000, 400, 200], [500, 200, 100]);
    expect(s.ratio).toBe(0.5);
    expect([s.ratioMin, s.ratioMax]).toEqual([0.5, 0.5]);
  });

  it('refuses unpaired samples and impossible ratios', () => {
    expect(() => summarize([1, 2], [1])).toThrow(/same number/);
    expect(() => summarize([], [])).toThrow(/same number/);
    expect(() => ratioOf(1, 0)).toThrow(/cannot take ratio/);
  });
});
