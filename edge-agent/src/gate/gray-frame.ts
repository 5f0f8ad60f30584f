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
  // Pixels per output cell: how many source columns map to its column times rows to its row.
  const xCount = new Uint32Array(width);
  const yCount = new Uint32Array(height);
  for (let x = 0; x < src.width; x++) {
    const c = Math.min(width - 1, Math.floor((x * width) / src.width));
    xMap[x] = c;
    xCount[c] = (xCount[c] as number) + 1;
  }
  for (let y = 0; y < src.height; y++) {
    const c = Math.min(height - 1, Math.floor((y * height) / src.height));
    yMap[y] = c;
    yCount[c] = (yCount[c] as number) + 1;
  }
  for (let y = 0; y < src.height; y++) {
    const row = (yMap[y] as number) * width;
    const srcRow = y * src.width;
    for (let x = 0; x < src.width; x++) {
      const o = row + (xMap[x] as number);
      out[o] = (out[o] as number) + (data[srcRow + x] as number);
    }
  }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = (out[i] as number) / ((yCount[y] as number) * (xCount[x] as number));
    }
  return out;
}
