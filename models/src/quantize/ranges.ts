// Per-tensor activation statistics: exact min/max plus a streaming histogram for percentile ranges.
// The histogram covers [-R, R] with BINS bins on each side of zero; when a value falls outside,
// R doubles and adjacent bins merge, so one pass over the calibration data is enough.

export type CalibrationMethod = 'minmax' | 'percentile';

export interface Range {
  min: number;
  max: number;
}

const BINS = 4096; // per side; a power of two so that merging halves cleanly
const HISTOGRAM_SAMPLES = 1 << 18; // per tensor per calibration input

export class RangeCollector {
  min = Infinity;
  max = -Infinity;
  /** Finite values seen. */
  count = 0;
  /** ±Infinity values seen (left out of the range). */
  saturated = 0;
  private pos = new Float64Array(BINS);
  private neg = new Float64Array(BINS);
  private limit = 0; // R; 0 until the first non-zero value arrives
  private zeros = 0; // exact zeros before R is known

  /** `histogram: false` keeps only min/max (all `minmax` needs, and much faster). */
  readonly histogram: boolean;
  constructor(histogram = true) {
    this.histogram = histogram;
  }

  add(values: Float32Array | number[]): void {
    let lo = this.min;
    let hi = this.max;
    let infinite = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v === Infinity || v === -Infinity) infinite++;
      else if (v !== v) throw new Error('activation contains NaN');
    }
    if (infinite > 0) {
      // ±Inf (e.g. the −inf padding before a max-pool) saturates in QuantizeLinear anyway:
      // it must not stretch the range, so recompute it over the finite values.
      lo = this.min;
      hi = this.max;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v === Infinity || v === -Infinity) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.saturated += infinite;
    }
    this.count += values.length - infinite;
    if (lo === Infinity) return; // nothing finite yet
    this.min = lo;
    this.max = hi;
    if (!this.histogram) return;
    const absMax = Math.max(Math.abs(lo), Math.abs(hi));
    // Large tensors are histogrammed on a fixed stride: percentiles need many samples, not all.
    const step = Math.max(1, Math.ceil(values.length / HISTOGRAM_SAMPLES));
    if (absMax === 0) {
      if (this.limit === 0) this.zeros += Math.ceil(values.length / step);
      else this.pos[0]! += Math.ceil(values.length / step);
      return;
    }
    if (this.limit === 0) {
      this.limit = absMax;
      this.pos[0]! += this.zeros;
      this.zeros = 0;
    }
    while (absMax > this.limit) this.grow();
    const perUnit = BINS / this.limit;
    const last = BINS - 1;
    const { pos, neg } = this;
    for (let i = 0; i < values.length; i += step) {
      const v = values[i]!;
      if (v >= 0) {
        const k = (v * perUnit) | 0; // +Inf lands in bin 0 here and is taken back out below
        pos[k > last ? last : k]!++;
      } else {
        const k = (-v * perUnit) | 0;
        neg[k > last ? last : k]!++;
      }
    }
    if (infinite > 0) {
      for (let i = 0; i < values.length; i += step) {
        const v = values[i]!;
        if (v === Infinity) pos[0]!--;
        else if (v === -Infinity) neg[0]!--;
      }
    }
  }

  private grow(): void {
    for (const h of [this.pos, this.neg]) {
      for (let i = 0; i < BINS / 2; i++) h[i] = h[2 * i]! + h[2 * i + 1]!;
      h.fill(0, BINS / 2);
    }
    this.limit *= 2;
  }

  /** Width of one histogram bin: the resolution of percentile ranges. */
  get binWidth(): number {
    return this.limit / BINS;
  }

  /**
   * The range for a calibration method. `percentile` drops the most extreme (100 − p)% of values:
   * for symmetric use it clips |x| at its p-th percentile; otherwise each tail loses half of that.
   * Thresholds are bin upper edges (never below the kept values) and never exceed the true min/max.
   */
  range(method: CalibrationMethod, percentile = 99.99, symmetric = false): Range {
    if (this.count === 0) throw new Error('no finite calibration data collected');
    if (method === 'minmax' || this.limit === 0) return { min: this.min, max: this.max };
    if (!this.histogram)
      throw new Error('percentile needs a collector created with histogram: true');
    if (!(percentile > 0 && percentile <= 100)) {
      throw new Error(`percentile must be in (0, 100], got ${percentile}`);
    }
    const w = this.binWidth;
    const total = sum(this.pos) + sum(this.neg) + this.zeros;
    if (symmetric) {
      const abs = new Float64Array(BINS);
      for (let i = 0; i < BINS; i++) abs[i] = this.pos[i]! + this.neg[i]!;
      const t = edgeAt(abs, (total * percentile) / 100) * w;
      const m = Math.min(t, Math.max(-this.min, this.max));
      return { min: Math.max(this.min, -m), max: Math.min(this.max, m) };
    }
    const tail = (total * (100 - percentile)) / 200;
    const negKept = sum(this.neg) - tail;
    const posKept = sum(this.pos) - tail;
    const min = negKept > 0 ? -edgeAt(this.neg, negKept) * w : 0;
    const max = posKept > 0 ? edgeAt(this.pos, posKept) * w : 0;
    return { min: Math.max(this.min, Math.min(min, 0)), max: Math.min(this.max, Math.max(max, 0)) };
  }
}

/** Number of bins (from zero outward) needed so that their counts reach `target`. */
function edgeAt(hist: Float64Array, target: number): number {
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= target) return i + 1;
  }
  return hist.length;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

export type ActivationType = 'int8' | 'uint8';

/**
 * Scale and zero point for an activation range. int8 is symmetric (zero point 0, what TensorRT
 * requires); uint8 is asymmetric over [min(0,lo), max(0,hi)] so that 0 is exact.
 */
export function activationQParams(r: Range, type: ActivationType): QParams {
  const lo = Math.min(r.min, 0);
  const hi = Math.max(r.max, 0);
  if (type === 'int8') {
    const m = Math.max(-lo, hi);
    return { scale: Math.fround(m > 0 ? m / 127 : 1), zeroPoint: 0 };
  }
  if (hi - lo <= 0) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** Round half to even, as ONNX QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
