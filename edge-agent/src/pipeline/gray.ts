// RGB → grey for the gate: luma (BT.601 integer weights), decimated by an integer step so the
// gate's own area-average downscale has less to do. The gate analyses ~180 rows anyway.
import { GateInputError } from '../gate/gray-frame.ts';
import type { GrayFrame } from '../gate/gray-frame.ts';

/** Largest integer step that keeps at least `minRows` rows. */
export function grayStep(height: number, minRows = 360): number {
  return Math.max(1, Math.floor(height / minRows));
}

/** Throws GateInputError when `rgb` is not width × height × 3 bytes (a truncated frame). */
export function rgbToGray(rgb: Uint8Array, width: number, height: number, step = 1): GrayFrame {
  if (rgb.length !== width * height * 3)
    throw new GateInputError(
      `RGB frame ${width}×${height} needs ${width * height * 3} bytes, got ${rgb.length}`,
    );
  const w = Math.floor(width / step);
  const h = Math.floor(height / step);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * step * width;
    for (let x = 0; x < w; x++) {
      const i = (row + x * step) * 3;
      out[y * w + x] =
        (77 * (rgb[i] as number) + 150 * (rgb[i + 1] as number) + 29 * (rgb[i + 2] as number)) >> 8;
    }
  }
  return { width: w, height: h, data: out };
}
