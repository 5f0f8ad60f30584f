// The agreement rule: each value within 1e-3 relative or 1e-4 absolute of the reference.
export interface Agreement {
  count: number;
  failures: number;
  maxAbs: number;
  /** Largest relative error among values whose absolute error exceeds 1e-4. */
  maxRel: number;
  worst?: { index: number; reference: number; actual: number };
}

export function agreement(
  reference: ArrayLike<number>,
  actual: ArrayLike<number>,
  rel = 1e-3,
  abs = 1e-4,
): Agreement {
  if (reference.length !== actual.length)
    throw new Error(`length ${reference.length} vs ${actual.length}`);
  const out: Agreement = { count: reference.length, failures: 0, maxAbs: 0, maxRel: 0 };
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] ?? 0;
    const a = actual[i] ?? 0;
    const d = Math.abs(r - a);
    if (!(d <= out.maxAbs)) out.maxAbs = d;
    if (d <= abs) continue;
    const e = d / Math.abs(r);
    if (e > out.maxRel) out.maxRel = e;
    if (!(e <= rel)) {
      out.failures++;
      if (!out.worst || d > Math.abs(out.worst.reference - out.worst.actual))
        out.worst = { index: i, reference: r, actual: a };
    }
  }
  return out;
}
