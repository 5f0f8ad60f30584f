// Pixelation by block means, worked out by hand on tiny frames.
import { describe, expect, it } from 'vitest';
import { obscureRegions, pixelateRegion } from '../../../edge-agent/src/privacy/pixels.ts';

/** A w × h RGB frame whose pixel (x, y) is grey value f(x, y). */
function grey(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data.fill(f(x, y), (y * w + x) * 3, (y * w + x + 1) * 3);
  return data;
}
const at = (data: Uint8Array, w: number, x: number, y: number) => data[(y * w + x) * 3];

describe('pixelateRegion', () => {
  it('fills each block with its mean, rounded, and leaves the rest alone', () => {
    // 6×4 frame, value 10·x + y. Region x 1..4, y 0..3 (4×4) with block side 2: four 2×2 blocks.
    const data = grey(6, 4, (x, y) => 10 * x + y);
    pixelateRegion(data, 6, { left: 1, top: 0, width: 4, height: 4 }, 2);
    // Top-left block: x 1..2, y 0..1 → (10 + 20 + 11 + 21) / 4 = 15.5 → 16.
    expect([at(data, 6, 1, 0), at(data, 6, 2, 1)]).toEqual([16, 16]);
    // Top-right block: x 3..4, y 0..1 → (30 + 40 + 31 + 41) / 4 = 35.5 → 36.
    expect(at(data, 6, 4, 1)).toBe(36);
    // Bottom-left block: x 1..2, y 2..3 → (12 + 22 + 13 + 23) / 4 = 17.5 → 18.
    expect(at(data, 6, 1, 3)).toBe(18);
    // Outside the region: columns 0 and 5 unchanged.
    expect([at(data, 6, 0, 2), at(data, 6, 5, 3)]).toEqual([2, 53]);
  });

  it('uses round(side / size) blocks, at least one, with whole-pixel edges', () => {
    // 5×1 region, block side 2 → round(2.5) = 3 blocks: x 0..0, 1..2, 3..4.
    const data = grey(5, 1, (x) => [0, 10, 20, 30, 50][x] ?? 0);
    pixelateRegion(data, 5, { left: 0, top: 0, width: 5, height: 1 }, 2);
    expect([0, 1, 2, 3, 4].map((x) => at(data, 5, x, 0))).toEqual([0, 15, 15, 40, 40]);
    // A block side larger than the region: one block, the mean of all.
    const one = grey(3, 1, (x) => [0, 3, 6][x] ?? 0);
    pixelateRegion(one, 3, { left: 0, top: 0, width: 3, height: 1 }, 10);
    expect([0, 1, 2].map((x) => at(one, 3, x, 0))).toEqual([3, 3, 3]);
  });
});

describe('obscureRegions', () => {
  it('returns a copy: the input frame is never changed', async () => {
    const img = { width: 4, height: 4, data: grey(4, 4, (x, y) => 16 * y + x) };
    const before = Buffer.from(img.data);
    const out = await obscureRegions(
      img,
      [{ left: 0, top: 0, width: 4, height: 4 }],
      'pixelate',
      0.5,
    );
    expect(Buffer.from(img.data).equals(before)).toBe(true);
    // One 2×2-block grid over 4×4 (side max(2, 0.5 × 4) = 2): top-left mean (0 + 1 + 16 + 17)/4 = 8.5 → 9.
    expect(at(out.data, 4, 0, 0)).toBe(9);
  });

  it('refuses a region outside the frame', async () => {
    const img = { width: 4, height: 4, data: new Uint8Array(48) };
    await expect(
      obscureRegions(img, [{ left: 2, top: 2, width: 3, height: 2 }], 'pixelate', 0.2),
    ).rejects.toThrow(/not inside the 4×4 frame/);
  });
});
