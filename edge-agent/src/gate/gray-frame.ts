// Grey frames as the gate sees them, and the cheap resampling the gate needs before analysis.

/** An 8-bit grey picture, rows packed with no padding, top-left origin. */
export interface GrayFrame {
  width: number;
  height: number;
  /** width × height bytes; a Node Buffer works too. */
  data: Uint8Array;
}

/** A frame the gate cannot use: wrong size, empty, not a byte array. */
export class GateInputError extends Error {
  override name = 'GateInputError';
}

/** Throws GateInputError with the reason when `f` is not a usable grey frame. */
export function checkGrayFrame(f: GrayFrame): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!ok(f.width) || !ok(f.height))
    throw new GateInputError(
      `grey frame size must be positive integers, got ${f.width}×${f.height}`,
    );
  if (!(f.data instanceof Uint8Array))
    throw new GateInputError('grey frame data must be a Uint8Array (one byte per pixel)');
  if (f.data.length !== f.width * f.height)
    throw new GateInputError(
      `grey frame ${f.width}×${f.height} needs ${f.width * f.height} bytes, got ${f.data.length}`,
    );
}

/** Analysis size for a source: `targetHeight` rows keeping the aspect ratio; never upscales. */
export function analysisSize(
  width: number,
  height: number,
  targetHeight: number,
): { width: number; height: number } {
  if (height <= targetHeight) return { width, height };
  return { width: Math.max(1, Math.round((width * targetHeight) / height)), height: targetHeight };
}

/**
 * Area-average downscale into a float image (each output pixel is the mean of the source pixels
 * that map onto it), which also averages away sensor noise. Same size is a plain copy. `out`
 * (width × height) lets a caller reuse a buffer.
 */
export function downscale(
  src: GrayFrame,
  width: number,
  height: number,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  const { data } = src;
  if (width === src.width && height === src.height) {
    out.set(data);
    return out;
  }
  out.fill(0);
  const xMap = new Int32Array(src.width);
  const yMap = new Int32Array(src.height);
  for (let x = 0; x < src.width; x++)
    xMap[x] = Math.min(width - 1, Math.floor((x * width) / src.width));
  for (let y = 0; y < src.height; y++)
    yMap[y] = Math.min(height - 1, Math.floor((y * height) / src.height));
  const count = new Float32Array(width * height);
  for (let y = 0; y < src.height; y++) {
    const row = (yMap[y] as number) * width;
    const srcRow = y * src.width;
    for (let x = 0; x < src.width; x++) {
      const o = row + (xMap[x] as number);
      out[o] = (out[o] as number) + (data[srcRow + x] as number);
      count[o] = (count[o] as number) + 1;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / (count[i] as number);
  return out;
}
