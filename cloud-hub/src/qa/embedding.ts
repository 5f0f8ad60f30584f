// A cheap image embedding for diversity sampling: an 8×8 grey thumbnail (area averages, mean
// removed, so exposure shifts matter less than layout) and a 4×4×4 joint RGB histogram. Each
// half is scaled to length 1/√2, so the whole vector has length 1 (or less, for a flat image
// whose thumbnail is all zeros) and cosine and L2 distances weigh layout and colour alike.
// Pure: the hub decodes JPEGs (sharp) and passes raw pixels.

export const THUMB_SIDE = 8;
export const HIST_BINS = 4; // per channel: 4 × 4 × 4 = 64 joint bins
export const EMBEDDING_LENGTH = THUMB_SIDE * THUMB_SIDE + HIST_BINS ** 3;

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA, alpha ignored). */
  channels: number;
}

export type EmbeddingResult = { ok: true; vector: Float32Array } | { ok: false; error: string };

export function imageEmbedding(img: RawImage): EmbeddingResult {
  const { data, width: W, height: H, channels: C } = img;
  if (!(Number.isInteger(W) && Number.isInteger(H) && W > 0 && H > 0))
    return { ok: false, error: `image size must be positive whole numbers, got ${W}×${H}` };
  if (C !== 3 && C !== 4) return { ok: false, error: `expected 3 or 4 channels, got ${C}` };
  if (!(data instanceof Uint8Array) || data.length < W * H * C)
    return {
      ok: false,
      error: `pixel buffer too short: ${data?.length ?? 0} bytes for ${W}×${H}×${C}`,
    };

  const v = new Float32Array(EMBEDDING_LENGTH);
  const hist = new Float64Array(HIST_BINS ** 3);
  const thumb = new Float64Array(THUMB_SIDE * THUMB_SIDE);
  // Each cell averages its pixel block; images smaller than 8 px on a side reuse pixels.
  for (let cy = 0; cy < THUMB_SIDE; cy++) {
    const y0 = Math.floor((cy * H) / THUMB_SIDE);
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * H) / THUMB_SIDE));
    for (let cx = 0; cx < THUMB_SIDE; cx++) {
      const x0 = Math.floor((cx * W) / THUMB_SIDE);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * W) / THUMB_SIDE));
      let sum = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const p = (y * W + x) * C;
          // ITU-R BT.601 luma, as grey conversions usually do.
          sum +=
            0.299 * (data[p] as number) +
            0.587 * (data[p + 1] as number) +
            0.114 * (data[p + 2] as number);
        }
      thumb[cy * THUMB_SIDE + cx] = sum / ((y1 - y0) * (x1 - x0) * 255);
    }
  }
  const shift = 8 - Math.log2(HIST_BINS);
  for (let p = 0, end = W * H * C; p < end; p += C) {
    const bin =
      ((data[p] as number) >> shift) * HIST_BINS * HIST_BINS +
      ((data[p + 1] as number) >> shift) * HIST_BINS +
      ((data[p + 2] as number) >> shift);
    hist[bin] = (hist[bin] as number) + 1;
  }

  const mean = thumb.reduce((a, b) => a + b, 0) / thumb.length;
  let tn = 0;
  for (let i = 0; i < thumb.length; i++) {
    const d = (thumb[i] as number) - mean;
    thumb[i] = d;
    tn += d * d;
  }
  let hn = 0;
  for (const h of hist) hn += h * h;
  const half = Math.SQRT1_2;
  const ts = tn > 1e-12 ? half / Math.sqrt(tn) : 0;
  const hs = hn > 0 ? half / Math.sqrt(hn) : 0;
  thumb.forEach((t, i) => (v[i] = t * ts));
  hist.forEach((h, i) => (v[thumb.length + i] = h * hs));
  return { ok: true, vector: v };
}
