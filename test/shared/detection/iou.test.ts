import { describe, expect, it } from 'vitest';
import { boxArea, intersectionArea, iou, iouAt } from '../../../shared/src/detection/iou.ts';
import type { BoxXYXY } from '../../../shared/src/detection/types.ts';

describe('boxArea', () => {
  it('is width × height', () => {
    expect(boxArea([1, 2, 4, 6])).toBe(12); // (4-1) × (6-2) = 3 × 4
    expect(boxArea([0.5, 0.5, 1, 2])).toBe(0.75); // 0.5 × 1.5
  });

  it('is 0 for empty, inverted or NaN boxes', () => {
    expect(boxArea([5, 5, 5, 5])).toBe(0);
    expect(boxArea([0, 0, 10, 0])).toBe(0);
    expect(boxArea([10, 10, 0, 0])).toBe(0); // inverted: not a negative area of 100
    expect(boxArea([0, 0, 10, -5])).toBe(0);
    expect(boxArea([0, 0, Number.NaN, 5])).toBe(0);
  });
});

// Each case: two boxes and the IoU worked out by hand.
const cases: [string, BoxXYXY, BoxXYXY, number][] = [
  // overlap 5×5 = 25; union 100 + 100 − 25 = 175; 25/175 = 1/7
  ['half-shifted squares', [0, 0, 10, 10], [5, 5, 15, 15], 1 / 7],
  ['identical boxes', [3, 4, 13, 24], [3, 4, 13, 24], 1],
  ['disjoint boxes', [0, 0, 1, 1], [2, 2, 3, 3], 0],
  // share only the edge x = 1: overlap width 0
  ['boxes touching at an edge', [0, 0, 1, 1], [1, 0, 2, 1], 0],
  ['boxes touching at a corner', [0, 0, 1, 1], [1, 1, 2, 2], 0],
  // inner 2×2 = 4 inside 10×10 = 100; union 100
  ['box inside another', [0, 0, 10, 10], [2, 2, 4, 4], 0.04],
  // x overlap min(2,4) − max(0,1) = 1, y overlap min(3,2) − max(0,1) = 1 → 1;
  // areas 2×3 = 6 and 3×1 = 3 → union 8
  ['fractional result', [0, 0, 2, 3], [1, 1, 4, 2], 0.125],
  // overlap 9×10 = 90; union 100 + 100 − 90 = 110
  ['one-pixel shift', [0, 0, 10, 10], [1, 0, 11, 10], 90 / 110],
  // overlap 10×5 = 50; union 100 + 50 − 50 = 100
  ['half box', [0, 0, 10, 10], [0, 0, 10, 5], 0.5],
  // overlap (0.5−0.25) × (0.5−0.25) = 0.0625; union 0.25 + 0.25 − 0.0625 = 0.4375
  ['normalised coordinates', [0, 0, 0.5, 0.5], [0.25, 0.25, 0.75, 0.75], 0.0625 / 0.4375],
  ['negative coordinates', [-10, -10, 0, 0], [-5, -10, 5, 0], 50 / 150],
  ['zero-size box inside another', [5, 5, 5, 5], [0, 0, 10, 10], 0],
  ['two identical zero-size boxes', [5, 5, 5, 5], [5, 5, 5, 5], 0],
  ['inverted box over a real one', [10, 10, 0, 0], [0, 0, 10, 10], 0],
  ['NaN corner', [0, 0, Number.NaN, 10], [0, 0, 10, 10], 0],
];

describe('iou', () => {
  it.each(cases)('%s', (_name, a, b, expected) => {
    expect(iou(a, b)).toBeCloseTo(expected, 12);
    expect(iou(b, a)).toBeCloseTo(expected, 12); // symmetric
  });

  it('agrees with the flat-array form', () => {
    for (const [, a, b, expected] of cases) {
      const flat = new Float64Array([...a, ...b]);
      expect(iouAt(flat, 0, 1)).toBeCloseTo(expected, 12);
    }
  });

  it('reports the intersection area', () => {
    expect(intersectionArea([0, 0, 10, 10], [5, 5, 15, 15])).toBe(25);
    expect(intersectionArea([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
  });
});
