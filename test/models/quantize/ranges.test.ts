import { describe, expect, it } from 'vitest';
import { RangeCollector, activationQParams } from '../../../models/src/quantize/ranges.ts';

// 10 000 values spread evenly over [-1, 1] plus one outlier at 50: min-max must reach the outlier,
// a 99.9 % percentile must not (dropping the 0.1 % = 10 most extreme values removes it).
function spreadWithOutlier(): Float32Array {
  const v = new Float32Array(10_001);
  for (let i = 0; i < 10_000; i++) v[i] = -1 + (2 * i) / 9_999;
  v[10_000] = 50;
  return v;
}

describe('calibration ranges', () => {
  it('min-max takes the extremes, outlier included', () => {
    const c = new RangeCollector();
    c.add(spreadWithOutlier());
    expect(c.range('minmax')).toEqual({ min: -1, max: 50 });
  });

  it('percentile clips the outlier to the bulk of the distribution', () => {
    const c = new RangeCollector();
    c.add(spreadWithOutlier().subarray(0, 5_000));
    c.add(spreadWithOutlier().subarray(5_000)); // second batch grows the histogram to reach 50
    const sym = c.range('percentile', 99.9, true);
    // |x| of the bulk is uniform on [0, 1]: its 99.9th percentile is ≈ 0.999, within one bin.
    expect(sym.max).toBeGreaterThan(0.99);
    expect(sym.max).toBeLessThanOrEqual(0.999 + 2 * c.binWidth);
    expect(sym.min).toBeCloseTo(-sym.max, 12);
    const asym = c.range('percentile', 99.9, false);
    expect(asym.max).toBeLessThan(1 + 2 * c.binWidth);
    expect(asym.min).toBeLessThan(-0.99);
    expect(asym.min).toBeGreaterThanOrEqual(-1);
  });

  it('ignores ±Infinity (max-pool padding) when sizing the range', () => {
    const c = new RangeCollector();
    c.add(Float32Array.of(-Infinity, 0.5, -0.25, Infinity, 2));
    expect(c.range('minmax')).toEqual({ min: -0.25, max: 2 });
    expect(c.saturated).toBe(2);
    expect(c.range('percentile', 100, false).max).toBe(2);
  });

  it('rejects NaN activations with a clear error', () => {
    expect(() => new RangeCollector().add(Float32Array.of(1, NaN))).toThrow(/NaN/);
  });

  it('derives scales and zero points by hand-checkable formulas', () => {
    // int8 symmetric: scale = max(|min|, |max|) / 127, zero point 0.
    expect(activationQParams({ min: -0.5, max: 2.54 }, 'int8')).toEqual({
      scale: Math.fround(0.02),
      zeroPoint: 0,
    });
    // uint8 asymmetric over [-1, 2.06]: scale = 3.06 / 255 = 0.012, zero point = round(1 / 0.012) = 83.
    const u = activationQParams({ min: -1, max: 2.06 }, 'uint8');
    expect(u.scale).toBeCloseTo(0.012, 7);
    expect(u.zeroPoint).toBe(83);
    // A Relu output (min 0) keeps 0 exact with zero point 0.
    expect(activationQParams({ min: 0, max: 5.1 }, 'uint8')).toEqual({
      scale: Math.fround(0.02),
      zeroPoint: 0,
    });
  });
});
