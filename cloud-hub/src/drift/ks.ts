// Two-sample Kolmogorov–Smirnov test: D = the largest gap between the two empirical CDFs, and
// its p-value from the asymptotic Kolmogorov distribution with Stephens' small-sample correction
// (Numerical Recipes §14.3, probks at (√ne + 0.12 + 0.11/√ne)·D, ne = n·m/(n+m)). Pure.

export interface KsResult {
  n: number;
  m: number;
  d: number;
  pValue: number;
}

/** Q_KS(λ) = 2 Σ (−1)^(j−1) e^(−2 j² λ²), 1 for λ near 0. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  let prev = 0;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(prev) || Math.abs(term) <= 1e-16 * Math.abs(sum)) break;
    prev = term;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Undefined when either sample is empty. */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult | undefined {
  const x = a.filter(Number.isFinite).sort((p, q) => p - q);
  const y = b.filter(Number.isFinite).sort((p, q) => p - q);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return undefined;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i] as number, y[j] as number);
    // Step past every copy of v in both samples, so ties move both CDFs together.
    while (i < n && (x[i] as number) <= v) i++;
    while (j < m && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = Math.sqrt((n * m) / (n + m));
  return { n, m, d, pValue: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

/** Score bins: SCORE_BINS equal bins over [0, 1]; a score of exactly 1 goes in the last. */
export const SCORE_BINS = 100;

export const scoreBin = (score: number): number =>
  Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));

/** Counts per score bin, for ksFromHistograms. */
export function scoreHistogram(scores: readonly number[]): number[] {
  const h = new Array<number>(SCORE_BINS).fill(0);
  for (const s of scores) if (Number.isFinite(s)) h[scoreBin(s)] = (h[scoreBin(s)] ?? 0) + 1;
  return h;
}

/**
 * The KS test on two samples given as counts over the same ordered bins (scores rounded to the
 * bins): D is read at the bin edges, which is the exact statistic for binned data. Lets the
 * ledger aggregate millions of scores in SQL. Undefined when either sample is empty.
 */
export function ksFromHistograms(a: readonly number[], b: readonly number[]): KsResult | undefined {
  const n = a.reduce((s, v) => s + v, 0);
  const m = b.reduce((s, v) => s + v, 0);
  if (n === 0 || m === 0) return undefined;
  let ca = 0;
  let cb = 0;
  let d = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    ca += a[i] ?? 0;
    cb += b[i] ?? 0;
    d = Math.max(d, Math.abs(ca / n - cb / m));
  }
  const ne = Math.sqrt((n * m) / (n + m));
  return { n, m, d, pValue: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

/** The middle of the bin holding the median. */
export function histogramMedian(h: readonly number[]): number {
  const n = h.reduce((s, v) => s + v, 0);
  let c = 0;
  for (let i = 0; i < h.length; i++) {
    c += h[i] ?? 0;
    if (c >= n / 2) return (i + 0.5) / h.length;
  }
  return 1;
}
