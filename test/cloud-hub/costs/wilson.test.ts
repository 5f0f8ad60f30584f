import { describe, expect, it } from 'vitest';
import {
  normalQuantile,
  wilsonInterval,
  zForConfidence,
} from '../../../cloud-hub/src/costs/wilson.ts';

describe('normal quantiles against printed z tables', () => {
  it.each([
    [0.9, 1.644854],
    [0.95, 1.959964],
    [0.99, 2.575829],
  ])('%f two-sided → z = %f', (conf, z) => {
    expect(zForConfidence(conf)).toBeCloseTo(z, 6);
  });

  it('tails (Φ⁻¹(0.001) = −3.090232, Φ⁻¹(0.9999) = 3.719016) and bad input', () => {
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
    expect(normalQuantile(0.9999)).toBeCloseTo(3.719016, 5);
    expect(normalQuantile(0)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });
});

describe('wilsonInterval against textbook values', () => {
  // Expected bounds from the Wilson formula with z from a normal table (and checked against
  // scipy.stats.norm.ppf): e.g. 8/10: z² = 3.8415, centre (0.8 + 0.1921)/1.3841 = 0.7167,
  // half 1.4160 × √(0.016 + 0.0096) = 0.2266 → [0.490, 0.943].
  it.each([
    [8, 10, 0.95, 0.4902, 0.9433],
    [0, 10, 0.95, 0, 0.2775],
    [10, 10, 0.95, 0.7225, 1],
    [2, 170, 0.95, 0.00323, 0.04187],
    [8, 10, 0.9, 0.5408, 0.9314],
  ])('%i/%i at %f → [%f, %f]', (k, n, conf, low, high) => {
    const w = wilsonInterval(k, n, conf);
    expect(w?.estimate).toBeCloseTo(k / n, 10);
    expect(w?.low).toBeCloseTo(low, 4);
    expect(w?.high).toBeCloseTo(high, 4);
  });

  it('is undefined, not thrown, for impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeUndefined();
    expect(wilsonInterval(11, 10)).toBeUndefined();
    expect(wilsonInterval(NaN, 10)).toBeUndefined();
    expect(wilsonInterval(2.5, 10)).toBeUndefined();
    expect(wilsonInterval(5, 10, 1.5)).toBeUndefined();
  });
});
