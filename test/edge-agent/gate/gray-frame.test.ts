// The gate's area-average downscale, against means worked out by hand.
import { describe, expect, it } from 'vitest';
import { downscale } from '../../../edge-agent/src/gate/gray-frame.ts';

describe('downscale', () => {
  it('averages the source pixels that fall in each cell, for sizes that do not divide evenly', () => {
    // 5×3 holding 0..14 row by row, onto 2×2. Columns 0-2 → cell 0, 3-4 → cell 1 (x·2/5 floored);
    // rows 0-1 → cell 0, row 2 → cell 1 (y·2/3 floored).
    const src = { width: 5, height: 3, data: Uint8Array.from({ length: 15 }, (_, i) => i) };
    expect([...downscale(src, 2, 2)]).toEqual([
      (0 + 1 + 2 + 5 + 6 + 7) / 6, // 3.5
      (3 + 4 + 8 + 9) / 4, // 6
      (10 + 11 + 12) / 3, // 11
      (13 + 14) / 2, // 13.5
    ]);
  });

  it('gives the mean rounded to float precision when it is not a whole number', () => {
    // 3×1 [1, 1, 2] onto 1×1: 4 / 3.
    const got = downscale({ width: 3, height: 1, data: Uint8Array.from([1, 1, 2]) }, 1, 1);
    expect(got[0]).toBe(Math.fround(4 / 3));
  });

  it('copies a frame already at the size asked for, into the buffer given', () => {
    const out = new Float32Array(4);
    const got = downscale(
      { width: 2, height: 2, data: Uint8Array.from([0, 50, 100, 255]) },
      2,
      2,
      out,
    );
    expect(got).toBe(out);
    expect([...got]).toEqual([0, 50, 100, 255]);
  });
});
