// The week-against-week class-mix test: statistics and p-values checked against hand
// calculations and closed forms (df = 1: erfc(√(x/2)); df = 2: e^(−x/2)) and the textbook
// 5 % critical values.
import { describe, expect, it } from 'vitest';
import {
  chiSquareStatistic,
  chiSquareUpperTail,
  classMixTest,
  OTHER,
} from '../../../cloud-hub/src/drift/class-mix.ts';

describe('chi-square upper tail', () => {
  it('matches the 5 % critical values of the chi-square tables', () => {
    // Critical values at α = 0.05 for df 1, 2, 5, 10 (any statistics table).
    expect(chiSquareUpperTail(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(5.991464547107979, 2)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(11.070497693516351, 5)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(18.307038053275146, 10)).toBeCloseTo(0.05, 10);
  });

  it('matches the closed forms for one and two degrees of freedom', () => {
    // erfc(2) = 0.004677734981047266 (Abramowitz & Stegun table 7.1).
    expect(chiSquareUpperTail(8, 1)).toBeCloseTo(0.004677734981047266, 12);
    for (const x of [0.5, 3, 11.6667, 40])
      expect(chiSquareUpperTail(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
    expect(chiSquareUpperTail(0, 3)).toBe(1);
  });

  it('refuses a degree of freedom of 0 with a clear error', () => {
    expect(() => chiSquareUpperTail(1, 0)).toThrow(/degrees of freedom must be above 0/);
  });
});

describe('class mix, week against week', () => {
  it('flags a swapped person/car mix (hand calculation: χ² = 8, df 1)', () => {
    // 2 × 2 table, every expected count 50: χ² = 4 · 10² / 50 = 8.
    const r = classMixTest({ person: 60, car: 40 }, { person: 40, car: 60 });
    expect(r.tested).toBe(true);
    if (!r.tested) return;
    expect(r.classes).toEqual(['car', 'person']);
    expect(r.statistic).toBeCloseTo(8, 12);
    expect(r.df).toBe(1);
    expect(r.pValue).toBeCloseTo(0.004677734981047266, 12);
    expect(r.drifted).toBe(true);
  });

  it('computes a 2 × 3 table by hand (χ² = 35/3, df 2) and respects alpha', () => {
    // Column totals 80, 60, 60 over 200 → expected 40, 30, 30 per week;
    // χ² = 2·(10²/40) + 2·(10²/30) = 5 + 20/3 = 35/3.
    expect(chiSquareStatistic([30, 30, 40], [50, 30, 20])).toBeCloseTo(35 / 3, 12);
    const r = classMixTest({ a: 30, b: 30, c: 40 }, { a: 50, b: 30, c: 20 }, { alpha: 0.001 });
    if (!r.tested) throw new Error('expected a test');
    expect(r.pValue).toBeCloseTo(Math.exp(-35 / 6), 12);
    expect(r.drifted).toBe(false); // p ≈ 0.0029 is not below 0.001
  });

  it('does not flag the same mix at twice the volume', () => {
    const r = classMixTest({ person: 50, car: 30, truck: 20 }, { person: 100, car: 60, truck: 40 });
    if (!r.tested) throw new Error('expected a test');
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(r.pValue).toBeCloseTo(1, 12);
    expect(r.drifted).toBe(false);
  });

  it('pools classes with expected counts below 5 into one column', () => {
    // Totals 140 and 131 of 271. dog (5) expects 2.58 / 2.42 and cat (6) 3.10 / 2.90: pooled;
    // "(other)" (11) then expects 5.68 / 5.32, enough to stay.
    const r = classMixTest(
      { person: 90, car: 40, dog: 4, cat: 6 },
      { person: 90, car: 40, dog: 1 },
    );
    if (!r.tested) throw new Error('expected a test');
    expect(r.classes).toEqual(['car', 'person', OTHER]);
    expect(r.previous).toEqual([40, 90, 10]);
    expect(r.current).toEqual([40, 90, 1]);
  });

  it('says why a week with too few detections is not tested', () => {
    const r = classMixTest({ person: 10 }, { person: 100, car: 50 });
    expect(r.tested).toBe(false);
    expect(r.drifted).toBe(false);
    if (!r.tested)
      expect(r.reason).toBe(
        'too few detections to test (10 the week before, 150 this week; need 30 each)',
      );
    const one = classMixTest({ person: 100, dog: 1 }, { person: 100, cat: 2 });
    expect(one.tested).toBe(false);
    if (!one.tested) expect(one.reason).toMatch(/fewer than two classes/);
  });

  it('ignores negative, fractional and non-finite counts safely', () => {
    const r = classMixTest({ person: 60, car: 40, bad: -5, nan: NaN }, { person: 40.7, car: 60 });
    if (!r.tested) throw new Error('expected a test');
    expect(r.classes).toEqual(['car', 'person']);
    expect(r.statistic).toBeCloseTo(8, 12);
  });
});
