import { describe, expect, it } from 'vitest';
import { cosineDistance, farthestPointSample } from '../../../cloud-hub/src/qa/fps.ts';

describe('farthestPointSample on a hand-made 2-D set', () => {
  //   E (0,10)
  //        F (5,5)
  //   A (0,0) B (1,0)        D (10,0)
  //   C (0,1)
  const pts = [
    [0, 0], // A 0
    [1, 0], // B 1
    [0, 1], // C 2
    [10, 0], // D 3
    [0, 10], // E 4
    [5, 5], // F 5
  ];

  it('L2 from A: D (10; ties with E go to the lower index), E (10), F (7.07), then B', () => {
    // after A: B 1, C 1, D 10, E 10, F √50 = 7.07 → D
    // after D: E stays 10 (√200 from D), F √50 → E
    // after E: F √50 (from every pick) → F; B and C stay at 1 → B by index
    expect(farthestPointSample(pts, 5, { metric: 'l2', start: 0 })).toEqual([0, 3, 4, 5, 1]);
  });

  it('cosine: the opposite direction first, then the perpendicular', () => {
    const dirs = [
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [-1, 0],
    ];
    // from (1,0): (-1,0) at 2, (0,1) at 1, (0.9,0.1) at 1 − 0.994 → (-1,0); then (0,1) at 1
    expect(farthestPointSample(dirs, 3, { metric: 'cosine', start: 0 })).toEqual([0, 3, 2]);
    expect(cosineDistance([1, 0], [-1, 0])).toBe(2);
    expect(cosineDistance([0, 0], [1, 0])).toBe(1);
  });

  it('starts from preselected points and never repeats them', () => {
    // Already picked: the origin. The farthest of B..F from it is D (10), then E.
    const rest = pts.slice(1);
    expect(farthestPointSample(rest, 2, { metric: 'l2', start: 0, preselected: [[0, 0]] })).toEqual(
      [2, 3],
    );
  });

  it('k larger than the set, zero or negative: no throw', () => {
    expect(farthestPointSample(pts, 99, { metric: 'l2', start: 2 })).toHaveLength(6);
    expect(farthestPointSample(pts, 0, { metric: 'l2', start: 0 })).toEqual([]);
    expect(farthestPointSample([], 3, { metric: 'l2', start: 0 })).toEqual([]);
  });
});
