// 3×3 dilation, dense and from a list of set pixels: worked out by hand, and the two agreeing.
import { describe, expect, it } from 'vitest';
import { dilate3x3, dilate3x3Sparse } from '../../../edge-agent/src/gate/filters.ts';
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
