// Point-in-polygon on hand-drawn shapes; each expectation follows from the drawing in the comment.
// Boundary rule (documented in polygon.ts): a point on an edge or a vertex is inside.
import { describe, expect, it } from 'vitest';
import {
  anyContains,
  containsPoint,
  preparePolygon,
  preparePolygons,
} from '../../../shared/src/geometry/polygon.ts';

function poly(flat: number[]) {
  const p = preparePolygon(flat);
  if (!p) throw new Error('test polygon is unusable');
  return p;
}

// Unit-square-like frame half: x 0.5..1, y 0..1.
const rightHalf = poly([0.5, 0, 1, 0, 1, 1, 0.5, 1]);
// L shape: the square 0..1 without its bottom-right quarter (x > 0.5 and y > 0.5).
const lShape = poly([0, 0, 1, 0, 1, 0.5, 0.5, 0.5, 0.5, 1, 0, 1]);
// Right triangle under the line x + y = 1.
const triangle = poly([0, 0, 1, 0, 0, 1]);
// Bow tie: edges (0,0)-(1,1)-(1,0)-(0,1)-(0,0) cross at (0.5, 0.5), enclosing a left and a
// right triangle; the top and bottom triangles are outside by the even-odd rule.
const bowTie = poly([0, 0, 1, 1, 1, 0, 0, 1]);

describe('containsPoint', () => {
  it.each([
    ['right half', rightHalf, 0.75, 0.5, true],
    ['right half', rightHalf, 0.25, 0.5, false],
    ['right half', rightHalf, 1.5, 0.5, false], // beyond the bounding box
    ['right half, on the left edge x = 0.5', rightHalf, 0.5, 0.3, true],
    ['right half, on the bottom edge y = 1', rightHalf, 0.7, 1, true],
    ['right half, on a vertex', rightHalf, 1, 1, true],
    ['right half, just left of the edge', rightHalf, 0.5 - 1e-6, 0.3, false],
    ['L shape, upper arm', lShape, 0.75, 0.25, true],
    ['L shape, lower arm', lShape, 0.25, 0.75, true],
    ['L shape, in the notch', lShape, 0.75, 0.75, false],
    ['L shape, on the inner corner', lShape, 0.5, 0.5, true],
    ['L shape, on the notch edge y = 0.5', lShape, 0.8, 0.5, true],
    ['triangle, x + y = 0.8', triangle, 0.4, 0.4, true],
    ['triangle, x + y = 1.2', triangle, 0.6, 0.6, false],
    ['triangle, on the hypotenuse', triangle, 0.5, 0.5, true],
    ['bow tie, left lobe', bowTie, 0.1, 0.5, true],
    ['bow tie, right lobe', bowTie, 0.9, 0.5, true],
    ['bow tie, top gap', bowTie, 0.5, 0.2, false],
    ['bow tie, bottom gap', bowTie, 0.5, 0.8, false],
  ])('%s: (%s, %s) -> %s', (_name, p, x, y, want) => {
    expect(containsPoint(p, x, y)).toBe(want);
  });

  it('a NaN point is inside nothing', () => {
    expect(containsPoint(rightHalf, Number.NaN, 0.5)).toBe(false);
    expect(containsPoint(rightHalf, 0.75, Number.NaN)).toBe(false);
  });
});

describe('preparePolygon', () => {
  it('refuses fewer than 3 points and non-finite coordinates', () => {
    expect(preparePolygon([0, 0, 1, 1])).toBeUndefined();
    expect(preparePolygon([])).toBeUndefined();
    expect(preparePolygon([0, 0, 1, Number.NaN, 0, 1])).toBeUndefined();
    expect(preparePolygon([0, 0, 1, Infinity, 0, 1])).toBeUndefined();
  });

  it('keeps the bounding box', () => {
    expect(preparePolygon([0.2, 0.1, 0.6, 0.3, 0.4, 0.9])).toMatchObject({
      minX: 0.2,
      minY: 0.1,
      maxX: 0.6,
      maxY: 0.9,
    });
  });
});

describe('anyContains over a list', () => {
  // Two boxes: top-left quarter and bottom-right quarter; one unusable entry is left out.
  const polys = preparePolygons([
    [0, 0, 0.5, 0, 0.5, 0.5, 0, 0.5],
    [0.5, 0.5, 1, 0.5, 1, 1, 0.5, 1],
    [0, 0],
  ]);
  it.each([
    [0.25, 0.25, true],
    [0.75, 0.75, true],
    [0.75, 0.25, false],
    [0.25, 0.75, false],
  ])('(%s, %s) -> %s', (x, y, want) => {
    expect(polys).toHaveLength(2);
    expect(anyContains(polys, x, y)).toBe(want);
  });

  it('an empty list contains nothing', () => {
    expect(anyContains([], 0.5, 0.5)).toBe(false);
  });
});
