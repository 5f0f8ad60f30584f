// After calibration: let a Concat input use the Concat output's parameters when that costs almost
// no resolution. ORT's QLinearConcat copies an input whose scale and zero point match the output's
// and requantizes any other through a lookup, value by value on one thread: NanoDet's 12 Concats
// were the largest single-threaded share of its INT8 run at 2 threads. Coarsening a finer input
// costs AP on VOC100 (NanoDet: all inputs shared −1.30, ratio ≥ 0.75 −1.17, ≥ 0.9 −0.47 against
// −0.52 unshared), so only inputs of near-equal scale are shared.
import type { GraphProto } from './onnx-model.ts';
import type { QuantPlan } from './plan.ts';
import type { ActivationType, QParams } from './ranges.ts';

/** An input keeps its own scale unless it is at least this share of the output's. */
export const MIN_SCALE_RATIO = 0.9;

/**
 * Re-roots qualifying Concat inputs (and the tensors sharing their parameters) onto the Concat
 * output's parameters, in `plan.activations`. Returns the inputs re-rooted.
 */
export function shareConcatParams(
  graph: GraphProto,
  plan: QuantPlan,
  qparams: ReadonlyMap<string, QParams>,
  minRatio = MIN_SCALE_RATIO,
): string[] {
  const shared: string[] = [];
  const claimed = new Set<string>();
  (graph.node ?? []).forEach((n, i) => {
    if (n.opType !== 'Concat' || !plan.participants.has(i)) return;
    const out = plan.activations.get(n.output?.[0] ?? '');
    const q = out === undefined ? undefined : qparams.get(out);
    if (out === undefined || !q) return;
    for (const t of n.input ?? []) {
      const own = qparams.get(t);
      if (plan.activations.get(t) !== t || t === out || claimed.has(t) || !own) continue;
      if (own.scale < minRatio * q.scale || !covers(q, own, plan.activationType)) continue;
      for (const [k, root] of plan.activations) if (root === t) plan.activations.set(k, out);
      claimed.add(t);
      shared.push(t);
    }
  });
  return shared;
}

/** Whether `outer` represents every value `inner` can (no clipping when re-rooted). */
function covers(outer: QParams, inner: QParams, type: ActivationType): boolean {
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const lo = (p: QParams) => (qmin - p.zeroPoint) * p.scale;
  const hi = (p: QParams) => (qmax - p.zeroPoint) * p.scale;
  const eps = outer.scale; // within one output step
  return lo(outer) <= lo(inner) + eps && hi(outer) >= hi(inner) - eps;
}
