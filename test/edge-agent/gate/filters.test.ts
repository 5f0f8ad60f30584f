// 3×3 dilation, dense and from a list of set pixels: worked out by hand, and the two agreeing.
import { describe, expect, it } from 'vitest';
import { boxBlur, dilate3x3, dilate3x3Sparse } from '../../../edge-agent/src/gate/filters.ts';
import { connectedComponents } from '../../../edge-agent/src/gate/components.ts';

const rows = (img: Uint8Array, w: number) =>
  Array.from({ length: img.length / w }, (_, y) => [...img.subarray(y * w, (y + 1) * w)].join(''));

function setAt(w: number, h: number, points: [number, number][]) {
  const img = new Uint8Array(w * h);
  for (const [x, y] of points) img[y * w + x] = 1;
  const at = Int32Array.from(points.map(([x, y]) => y * w + x).sort((a, b) => a - b));
  return { img, at };
}

describe('dilate3x3Sparse', () => {
  it('grows each set pixel to its 3×3 neighbourhood, clipped at the edges', () => {
    // 6×4 with pixels at (0, 0) and (3, 2).
    const { at } = setAt(6, 4, [
      [0, 0],
      [3, 2],
    ]);
    expect(rows(dilate3x3Sparse(at, at.length, 6, 4), 6)).toEqual([
      '110000',
      '111110',
      '001110',
      '001110',
    ]);
  });

  it('matches the dense dilation on random images', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 20; k++) {
      const [w, h] = [3 + Math.floor(rand() * 30), 3 + Math.floor(rand() * 20)];
      const points: [number, number][] = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (rand() < 0.05) points.push([x, y]);
      const { img, at } = setAt(w, h, points);
      expect(dilate3x3Sparse(at, at.length, w, h)).toEqual(dilate3x3(img, w, h));
    }
  });
});

describe('connectedComponents row range', () => {
  it('finds the same blobs when told which rows can hold them', () => {
    const { img } = setAt(6, 6, [
      [1, 2],
      [2, 2],
      [4, 3],
    ]);
    const all = connectedComponents(img, 6, 6);
    const ranged = connectedComponents(img, 6, 6, undefined, undefined, 2, 4);
    expect(ranged.components).toEqual(all.components);
    expect(ranged.labels).toEqual(all.labels);
    expect(all.components.map((c) => [c.x1, c.y1, c.x2, c.y2])).toEqual([
      [1, 2, 3, 3],
      [4, 3, 5, 4],
    ]);
  });
});

describe('dilate3x3Sparse on runs of set pixels', () => {
  it('grows a run that ends a row and one that starts the next as separate rows', () => {
    // 5×3: (3,0), (4,0) end row 0; (0,1), (1,1) start row 1. Their indices 3, 4, 5, 6 are
    // consecutive, but the growth must not wrap from one row's end into the next row's start.
    const { at, img } = setAt(5, 3, [
      [3, 0],
      [4, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(rows(dilate3x3Sparse(at, at.length, 5, 3), 5)).toEqual(['11111', '11111', '11100']);
    expect(dilate3x3Sparse(at, at.length, 5, 3)).toEqual(dilate3x3(img, 5, 3));
  });

  it('matches the dense dilation on images with long horizontal runs', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 20; k++) {
      const [w, h] = [1 + Math.floor(rand() * 30), 1 + Math.floor(rand() * 12)];
      const points: [number, number][] = [];
      let on = false;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          if (rand() < 0.2) on = !on;
          if (on) points.push([x, y]);
        }
      const { img, at } = setAt(w, h, points);
      expect(dilate3x3Sparse(at, at.length, w, h)).toEqual(dilate3x3(img, w, h));
    }
  });
});

/** The blur by its definition: mean of the (2r+1)² window, edge pixels repeated. */
function naiveBoxBlur(src: Float32Array, w: number, h: number, r: number): number[] {
  const at = (x: number, y: number) =>
    src[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))] as number;
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) s += at(x + dx, y + dy);
      out.push(s / (2 * r + 1) ** 2);
    }
  return out;
}

describe('boxBlur', () => {
  it('averages a 3×3 window with edges repeated (worked by hand)', () => {
    // 3×1 row [0, 9, 0], radius 1: each row of the window is the row itself (edges repeated), so
    // the means are (0+0+9)/3 = 3, (0+9+0)/3 = 3, (9+0+0)/3 = 3.
    expect([...boxBlur(Float32Array.from([0, 9, 0]), 3, 1, 1)]).toEqual([3, 3, 3]);
    // A single bright pixel in a 3×3 image: every window holds it once → 9 / 9 = 1.
    const one = new Float32Array(9);
    one[4] = 9;
    expect([...boxBlur(one, 3, 3, 1)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('matches the window mean for every size, including images narrower than the window', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const r of [1, 2, 3])
      for (let w = 1; w <= 9; w++)
        for (const h of [1, 2, 5, 8]) {
          const src = Float32Array.from({ length: w * h }, () => Math.floor(rand() * 256));
          const got = boxBlur(src, w, h, r);
          const want = naiveBoxBlur(src, w, h, r);
          want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 3));
        }
  });
});
