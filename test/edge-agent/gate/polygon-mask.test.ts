// Masks as edge.yaml writes them (normalised flat polygons) turned into pixels.
import { describe, expect, it } from 'vitest';
import { PolygonMask, rasterisePolygons } from '../../../edge-agent/src/gate/polygon-mask.ts';

const setPixels = (m: Uint8Array, w: number) =>
  [...m].flatMap((v, i) => (v ? [[i % w, Math.floor(i / w)]] : []));

describe('rasterisePolygons', () => {
  it('covers exactly the pixels whose centres are inside a rectangle', () => {
    // 8×8 grid, rectangle 0.25..0.75: centres (x + 0.5) / 8 inside for x = 2..5.
    const m = rasterisePolygons([[0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75]], 8, 8);
    const expected = [];
    for (let y = 2; y <= 5; y++) for (let x = 2; x <= 5; x++) expected.push([x, y]);
    expect(setPixels(m, 8)).toEqual(expected);
  });

  it('fills a triangle with its area to within its perimeter in pixels', () => {
    // Right triangle over half of a 200×100 frame: 10 000 px; boundary pixels ≈ 200 + 100 + 224.
    const m = rasterisePolygons([[0, 0, 1, 0, 0, 1]], 200, 100);
    const count = m.reduce((a, b) => a + b, 0);
    expect(Math.abs(count - 10_000)).toBeLessThan(524);
    // A pixel near the origin corner is in, the opposite corner is out.
    expect(m[0]).toBe(1);
    expect(m[200 * 100 - 1]).toBe(0);
  });

  it('covers the whole frame for a full-frame polygon and nothing for none', () => {
    expect(rasterisePolygons([[0, 0, 1, 0, 1, 1, 0, 1]], 16, 9).every((v) => v === 1)).toBe(true);
    expect(rasterisePolygons([], 16, 9).every((v) => v === 0)).toBe(true);
  });

  it('adds up several polygons', () => {
    const m = rasterisePolygons(
      [
        [0, 0, 0.5, 0, 0.5, 0.5, 0, 0.5],
        [0.5, 0.5, 1, 0.5, 1, 1, 0.5, 1],
      ],
      4,
      4,
    );
    expect(setPixels(m, 4)).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 2],
      [3, 2],
      [2, 3],
      [3, 3],
    ]);
  });
});

describe('PolygonMask', () => {
  it('returns the same raster for the same size and a new one for another size', () => {
    const mask = new PolygonMask([[0, 0, 0.5, 0, 0.5, 1, 0, 1]]);
    const a = mask.at(10, 10);
    expect(mask.at(10, 10)).toBe(a);
    expect(mask.unmaskedCount(10, 10)).toBe(50);
    expect(mask.at(20, 10).length).toBe(200);
    expect(mask.unmaskedCount(20, 10)).toBe(100);
  });
});
