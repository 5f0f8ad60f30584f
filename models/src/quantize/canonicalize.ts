// Standard-ONNX rewrites that let more of the graph run on integer kernels without changing
// what it computes. ReduceMean over H and W of a 4-D NCHW tensor (squeeze-excite blocks) is
// GlobalAveragePool, which ORT runs as QLinearGlobalAveragePool; ReduceMean has no such kernel
// and, left float in a channels-last integer graph, cost CenterNet more than all its Convs' savings.
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
  return { graph: { ...graph, node }, reduceMeanToPool: rewritten };
}
