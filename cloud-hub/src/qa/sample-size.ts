// How many frames QA reviews per batch, and how a quota is split over strata.
//
// Rule (hub.yaml qa section):
//   n      = min(N, clamp(ceil(rate × N), min_per_batch, max_per_batch))
//   hard   = min(#hard frames, floor(hard_share × n))          hard examples first
//   rest   = n − hard
//   diverse = min(#frames with embeddings left, floor(diversity_share × rest))
//   strat  = rest − diverse                                      stratified over camera × class × hour
// Stratified quota over K non-empty strata of sizes s_i:
//   strat ≥ K: one per stratum, the other strat − K split in proportion to (s_i − 1) by largest
//              remainder (ties: the stratum that sorts first);
//   strat < K: strat strata drawn by size-weighted sampling without replacement, one frame each.

export interface SizeRule {
  rate: number;
  minPerBatch: number;
  maxPerBatch: number;
}

/** Sample size for a batch of `frames` frames (0 for an empty or nonsensical batch). */
export function sampleSize(frames: number, rule: SizeRule): number {
  if (!(frames > 0) || !Number.isFinite(frames)) return 0;
  const N = Math.floor(frames);
  const rate = Number.isFinite(rule.rate) ? Math.min(1, Math.max(0, rule.rate)) : 0;
  const lo = Math.max(0, Math.floor(rule.minPerBatch) || 0);
  const hi = Math.max(lo, Math.floor(rule.maxPerBatch) || 0);
  return Math.min(N, Math.min(hi, Math.max(lo, Math.ceil(rate * N))));
}

/**
 * Proportional split of `total` over `sizes` with at least one each (needs total ≥ sizes.length
 * and total ≤ Σ sizes): one each, the remainder by largest remainder of (size − 1).
 */
export function allocateAtLeastOne(total: number, sizes: readonly number[]): number[] {
  const k = sizes.length;
  const out = sizes.map(() => 1);
  const extra = total - k;
  const spare = sizes.map((s) => s - 1);
  const spareSum = spare.reduce((a, b) => a + b, 0);
  if (extra <= 0 || spareSum <= 0) return out;
  const quotas = spare.map((s) => (extra * s) / spareSum);
  let given = 0;
  quotas.forEach((q, i) => {
    const f = Math.min(Math.floor(q + 1e-9), spare[i] as number);
    out[i] = (out[i] as number) + f;
    given += f;
  });
  const order = quotas
    .map((q, i) => ({ i, frac: q - Math.floor(q + 1e-9) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (given >= extra) break;
    if ((out[i] as number) < (sizes[i] as number)) {
      out[i] = (out[i] as number) + 1;
      given++;
    }
  }
  return out;
}
