// Small image filters on packed single-channel images (row-major, width × height).

/**
 * Separable box blur of radius r ((2r+1)² window), edges replicated. Stands in for the Gaussian
 * of reference motion detectors: it only has to smooth sensor noise and compression blocks.
 * `out` and `tmp` (src-sized) let a caller reuse its buffers; `out` must not be `src`.
 */
export function boxBlur(
  src: Float32Array,
  width: number,
  height: number,
  r: number,
  out: Float32Array = new Float32Array(src.length),
  tmp: Float32Array = new Float32Array(src.length),
): Float32Array {
  if (r <= 0) {
    out.set(src);
    return out;
  }
  const n = 2 * r + 1;
  // Running sums: O(1) per pixel whatever the radius. Positions whose window reaches past an
  // edge clamp their indices; the interior runs without (the same sums, in the same order).
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let s = 0;
    for (let k = -r; k <= r; k++) s += src[row + clamp(k, width)] as number;
    const inner = Math.min(width, Math.max(r, width - r - 1));
    let x = 0;
    for (; x < r && x < width; x++) {
      tmp[row + x] = s / n;
      s +=
        (src[row + clamp(x + r + 1, width)] as number) - (src[row + clamp(x - r, width)] as number);
    }
    for (; x < inner; x++) {
      tmp[row + x] = s / n;
      s += (src[row + x + r + 1] as number) - (src[row + x - r] as number);
    }
    for (; x < width; x++) {
      tmp[row + x] = s / n;
      s +=
        (src[row + clamp(x + r + 1, width)] as number) - (src[row + clamp(x - r, width)] as number);
    }
  }
  // Columns, a row at a time (cache-friendly): sums[x] is column x's running sum.
  const sums = new Float64Array(width);
  for (let k = -r; k <= r; k++) {
    const from = clamp(k, height) * width;
    for (let x = 0; x < width; x++) sums[x] = (sums[x] as number) + (tmp[from + x] as number);
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const add = clamp(y + r + 1, height) * width;
    const sub = clamp(y - r, height) * width;
    for (let x = 0; x < width; x++) {
      const s = sums[x] as number;
      out[row + x] = s / n;
      sums[x] = s + ((tmp[add + x] as number) - (tmp[sub + x] as number));
    }
  }
  return out;
}

function clamp(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}

/** 3×3 dilation of a 0/1 image: joins the fragments of one moving object into one blob. `out` and `rows` are optional reusable buffers. */
export function dilate3x3(
  src: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array = new Uint8Array(src.length),
  rows: Uint8Array = new Uint8Array(src.length),
): Uint8Array {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      rows[i] =
        (src[i] as number) |
        (x > 0 ? (src[i - 1] as number) : 0) |
        (x < width - 1 ? (src[i + 1] as number) : 0);
    }
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      out[i] =
        (rows[i] as number) |
        (y > 0 ? (rows[i - width] as number) : 0) |
        (y < height - 1 ? (rows[i + width] as number) : 0);
    }
  }
  return out;
}

/**
 * dilate3x3 of a 0/1 image given as the indices of its set pixels (`count` of them): the same
 * result, in time proportional to the set pixels rather than the frame.
 */
export function dilate3x3Sparse(
  indices: Int32Array,
  count: number,
  width: number,
  height: number,
  out: Uint8Array = new Uint8Array(width * height),
): Uint8Array {
  out.fill(0);
  let k = 0;
  while (k < count) {
    // A run of consecutive set pixels on one row grows as one: fewer, longer fills.
    const i = indices[k] as number;
    const y = Math.floor(i / width);
    const rowEnd = (y + 1) * width;
    let last = i;
    k++;
    while (k < count && (indices[k] as number) === last + 1 && last + 1 < rowEnd)
      last = indices[k++] as number;
    const x = i - y * width;
    const xl = last - y * width;
    const x0 = x > 0 ? x - 1 : x;
    const x1 = xl < width - 1 ? xl + 1 : xl;
    const y0 = y > 0 ? y - 1 : y;
    const y1 = y < height - 1 ? y + 1 : y;
    for (let yy = y0; yy <= y1; yy++) out.fill(1, yy * width + x0, yy * width + x1 + 1);
  }
  return out;
}

/** The value below which `p` (0..1) of the pixels lie, from a 256-bin histogram. */
export function percentile(hist: Uint32Array, total: number, p: number): number {
  const target = p * total;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v] as number;
    if (acc > target) return v;
  }
  return 255;
}

/** 256-bin histogram of the pixels not set in `mask` (values rounded, clipped to 0..255). */
export function histogram(
  img: Float32Array,
  mask?: Uint8Array,
): { hist: Uint32Array; total: number } {
  const hist = new Uint32Array(256);
  let total = 0;
  for (let i = 0; i < img.length; i++) {
    if (mask?.[i]) continue;
    const v = (img[i] as number) + 0.5;
    const b = v < 0 ? 0 : v >= 255 ? 255 : v | 0;
    hist[b] = (hist[b] as number) + 1;
    total++;
  }
  return { hist, total };
}

/**
 * Contrast normalisation with memory. Instead of stretching the frames (which shifts every pixel
 * whenever a dark object moves the percentiles, and then looks like global motion against a
 * lagging background), it scales the frame-to-background difference by 255 / (p96 - p4), averaged
 * over the last `history` frames and capped at `maxGain`: a dim, flat scene gets a lower effective
 * threshold, a normal scene stays close to the configured one.
 */
export class ContrastGain {
  readonly #history: number;
  readonly #maxGain: number;
  readonly #ranges: number[] = [];

  constructor(history = 50, maxGain = 4) {
    this.#history = history;
    this.#maxGain = maxGain;
  }

  /** Records a frame's contrast range (from its histogram) and returns the gain for its differences. */
  update(hist: Uint32Array, total: number): number {
    const range = total > 0 ? percentile(hist, total, 0.96) - percentile(hist, total, 0.04) : 0;
    if (range > 0) {
      // The first frame fills the memory so the gain starts where the scene is.
      const n = this.#ranges.length === 0 ? this.#history : 1;
      for (let k = 0; k < n; k++) this.#ranges.push(range);
      while (this.#ranges.length > this.#history) this.#ranges.shift();
    }
    if (this.#ranges.length === 0) return 1;
    const mean = this.#ranges.reduce((a, b) => a + b, 0) / this.#ranges.length;
    return Math.min(this.#maxGain, Math.max(1, 255 / mean));
  }

  reset(): void {
    this.#ranges.length = 0;
  }
}
