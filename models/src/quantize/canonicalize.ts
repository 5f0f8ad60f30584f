// Standard-ONNX rewrites that let more of the graph run on integer kernels without changing
// what it computes. ReduceMean over H and W of a 4-D NCHW tensor (squeeze-excite blocks) is
// GlobalAveragePool, which ORT runs as QLinearGlobalAveragePool; ReduceMean has no such kernel
// and, left float in a channels-last integer graph, cost CenterNet more than all its Convs' savings.
// LeakyRelu → MaxPool becomes MaxPool → LeakyRelu: a non-decreasing activation commutes with max,
// so the result is the same while the activation (an integer lookup, or float next to a float
// stem) touches a quarter of the values.
import type { GraphProto, NodeProto } from './onnx-model.ts';
import { attr, attrInt, toNum } from './onnx-model.ts';

/** Ops whose output rank is their (widest) input's. */
const RANK_PRESERVING = new Set([
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Relu',
  'Clip',
  'LeakyRelu',
  'Sigmoid',
  'HardSwish',
  'HardSigmoid',
  'BatchNormalization',
  'Mul',
  'Add',
  'Sub',
  'Div',
  'Concat',
  'Resize',
  'Pad',
  'Identity',
]);

export interface CanonicalizeResult {
  graph: GraphProto;
  /** Names of ReduceMean nodes rewritten as GlobalAveragePool. */
  reduceMeanToPool: string[];
  /** Names of MaxPool nodes moved in front of the LeakyRelu that fed them. */
  poolBeforeActivation: string[];
}

export function canonicalize(graph: GraphProto): CanonicalizeResult {
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const t of n.output ?? []) producer.set(t, n);
  const declaredRank = new Map<string, number>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? [])]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (v.name && dims) declaredRank.set(v.name, dims.length);
  }

  const isRank4 = (t: string, depth = 0): boolean => {
    if (declaredRank.has(t)) return declaredRank.get(t) === 4;
    const p = producer.get(t);
    if (!p || depth > 8) return false;
    if (p.opType === 'Conv') return (inits.get(p.input?.[1] ?? '')?.dims ?? []).length === 4;
    if (!RANK_PRESERVING.has(p.opType ?? '')) return false;
    // Elementwise ops broadcast to their widest input; constants (e.g. Mul(1/6, x)) are never wider.
    return (p.input ?? []).some((x) => !inits.has(x) && isRank4(x, depth + 1));
  };

  const rewritten: string[] = [];
  const node = nodes.map((n) => {
    if (n.opType !== 'ReduceMean' || (n.input ?? []).length !== 1) return n;
    const axes = (attr(n, 'axes')?.ints ?? []).map((a) => toNum(a)).map((a) => (a < 0 ? a + 4 : a));
    const spatial = axes.length === 2 && axes.includes(2) && axes.includes(3);
    if (!spatial || attrInt(n, 'keepdims', 1) !== 1 || !isRank4(n.input?.[0] ?? '')) return n;
    rewritten.push(n.name ?? '');
    return {
      name: n.name ?? null,
      opType: 'GlobalAveragePool',
      input: [n.input?.[0] ?? ''],
      output: n.output ?? [],
    };
  });
  const swapped = poolBeforeActivation(node, graph);
  // The tensor between pool and activation changed shape: drop any declared shape for it.
  const valueInfo = (graph.valueInfo ?? []).filter((v) => !swapped.retyped.has(v.name ?? ''));
  return {
    graph: { ...graph, node: swapped.nodes, valueInfo },
    reduceMeanToPool: rewritten,
    poolBeforeActivation: swapped.moved,
  };
}

/** LeakyRelu (alpha ≥ 0) read only by a MaxPool: run the pool first, the activation after it. */
function poolBeforeActivation(
  nodes: NodeProto[],
  graph: GraphProto,
): { nodes: NodeProto[]; moved: string[]; retyped: Set<string> } {
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const t of n.input ?? []) if (t) readers.set(t, [...(readers.get(t) ?? []), i]);
  });
  const out = [...nodes];
  const moved: string[] = [];
  const retyped = new Set<string>();
  nodes.forEach((act, i) => {
    if (act.opType !== 'LeakyRelu' || (attr(act, 'alpha')?.f ?? 0.01) < 0) return;
    const [x] = act.input ?? [];
    const [y] = act.output ?? [];
    const r = readers.get(y ?? '') ?? [];
    const j = r[0];
    if (!x || !y || r.length !== 1 || j === undefined || outputs.has(y)) return;
    const pool = nodes[j];
    if (pool?.opType !== 'MaxPool' || (pool.output ?? []).length !== 1) return;
    const z = pool.output?.[0] ?? '';
    // The pool takes the activation's place in the order and its tensor names stay unique.
    out[i] = { ...pool, input: [x], output: [y] };
    out[j] = { ...act, input: [y], output: [z] };
    moved.push(pool.name ?? '');
    retyped.add(y);
  });
  return { nodes: out, moved, retyped };
}
