// Decide what to quantize (pure graph analysis, no I/O): which activation tensors get a Q/DQ pair,
// which share their producer's parameters, which weights/biases/constants become integers.
import type { ActivationType } from './ranges.ts';
import type { GraphProto, NodeProto } from './onnx-model.ts';
import { DT, attr, toNum } from './onnx-model.ts';

export interface ExcludeSpec {
  /** Node names that stay float (they also keep reading float inputs). */
  nodes?: string[];
  /** Op types that stay float. */
  opTypes?: string[];
  /** Tensor names that never get a Q/DQ pair. */
  tensors?: string[];
}

export interface PlanOptions {
  activationType: ActivationType;
  exclude?: ExcludeSpec;
  /**
   * Keep float the Convs that read a graph input with ≤ 4 channels (an RGB stem) and the
   * activations/pools that alone follow them. ORT's integer Conv unrolls a 3-channel input into
   * short rows and ran NanoDet's stem slower than its float NCHWc kernel, which also fuses the
   * activation; the stem is also where quantization error enters every later layer.
   */
  floatStem?: boolean;
}

export interface WeightedNode {
  node: number;
  weight: string;
  bias?: string;
  /** Per-channel axis, or undefined for per-tensor. */
  axis?: number;
  /** The quantized activation feeding it (bias scale = its scale × weight scale). */
  input: string;
}

export interface QuantPlan {
  activationType: ActivationType;
  /** Quantized activations in graph order; value = tensor whose parameters it shares (itself if a root). */
  activations: Map<string, string>;
  weighted: WeightedNode[];
  /** Float initializers feeding Add/Mul/Concat: quantized per tensor. */
  constants: string[];
  /** Relu/Clip nodes folded into the preceding Q (uint8 only): node index → input tensor it removes. */
  foldedActivations: Map<number, string>;
  /** Nodes that run on quantized inputs. */
  participants: Set<number>;
  /** Nodes kept float and fed float tensors: caller's exclusions, the float stem, post-processing. */
  excluded: Set<number>;
  /** Nodes of the float stem (a subset of `excluded`). */
  stem: Set<number>;
  /** Tensors whose ranges must be calibrated (roots of `activations`, pre-fold names). */
  calibrate: string[];
  /**
   * Quantized tensors after the last Conv/Gemm/MatMul/Add/Mul/Concat on their way to an output
   * (a head's logits): their rare high values are the confident detections.
   */
  head: Set<string>;
}

type Role = 'weighted' | 'binary' | 'unary' | 'passthrough' | 'follower';

const ROLES: Record<string, Role> = {
  Conv: 'weighted',
  Gemm: 'weighted',
  MatMul: 'weighted',
  Add: 'binary',
  Mul: 'binary',
  Concat: 'binary',
  Relu: 'unary',
  Clip: 'unary',
  LeakyRelu: 'unary',
  Sigmoid: 'unary',
  AveragePool: 'unary',
  GlobalAveragePool: 'unary',
  MaxPool: 'passthrough',
  Resize: 'passthrough',
  Transpose: 'follower',
  Reshape: 'follower',
  Squeeze: 'follower',
  Unsqueeze: 'follower',
  Flatten: 'follower',
};

/** Ops whose outputs (and everything computed from them) are detector decoding, never quantized. */
const DECODE_OPS = new Set(['TopK', 'NonMaxSuppression']);

export class NothingToQuantizeError extends Error {
  override name = 'NothingToQuantizeError';
}

export function planQuantization(graph: GraphProto, options: PlanOptions): QuantPlan {
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const floatTensors = inferFloatTensors(graph);
  const ex = options.exclude ?? {};
  const exNodes = new Set(ex.nodes ?? []);
  const exOps = new Set(ex.opTypes ?? []);
  const exTensors = new Set(ex.tensors ?? []);

  const consumers = new Map<string, number[]>();
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const t of n.input ?? []) if (t) consumers.set(t, [...(consumers.get(t) ?? []), i]);
    for (const t of n.output ?? []) if (t) producer.set(t, i);
  });

  const excluded = postProcessingNodes(nodes, graphOutputs);
  nodes.forEach((n, i) => {
    if (exNodes.has(n.name ?? '') || exOps.has(n.opType ?? '')) excluded.add(i);
  });
  const stem = options.floatStem ? stemNodes(graph, consumers) : new Set<number>();
  for (const i of stem) excluded.add(i);

  const isActivation = (t: string): boolean =>
    !!t && floatTensors.has(t) && !initializers.has(t) && !graphOutputs.has(t) && !exTensors.has(t);
  const isFloatInit = (t: string): boolean => initializers.get(t)?.dataType === DT.FLOAT;

  const activations = new Map<string, string>();
  const weighted: WeightedNode[] = [];
  const constants = new Set<string>();
  const participants = new Set<number>();
  const addAct = (t: string, share?: string): void => {
    if (share !== undefined) activations.set(t, share);
    else if (!activations.has(t)) activations.set(t, t);
  };

  // Core ops: their float inputs and outputs get Q/DQ pairs.
  nodes.forEach((n, i) => {
    const role = ROLES[n.opType ?? ''];
    if (!role || role === 'follower' || excluded.has(i)) return;
    const ins = n.input ?? [];
    const out = n.output?.[0] ?? '';
    const x = ins[0] ?? '';
    if (role === 'binary') {
      // Either operand may be the constant (ORT's optimiser reorders Mul(x, c) as Mul(c, x)).
      if (!ins.some(isActivation)) return;
      participants.add(i);
      for (const t of ins) {
        if (isActivation(t)) addAct(t);
        else if (isFloatInit(t)) constants.add(t);
      }
      if (isActivation(out)) addAct(out);
      return;
    }
    if (!isActivation(x)) return;
    participants.add(i);
    addAct(x);
    if (role === 'weighted') {
      const w = ins[1] ?? '';
      if (isFloatInit(w)) {
        const bias = ins[2] && isFloatInit(ins[2]) ? ins[2] : undefined;
        const axis = n.opType === 'Conv' ? 0 : undefined;
        weighted.push({
          node: i,
          weight: w,
          input: x,
          ...(bias ? { bias } : {}),
          ...(axis === undefined ? {} : { axis }),
        });
      } else if (isActivation(w)) addAct(w);
    }
    if (role !== 'passthrough' && isActivation(out)) addAct(out);
  });

  // Pass-through ops (and layout followers) keep their input's parameters so ORT can drop the pair.
  nodes.forEach((n, i) => {
    const role = ROLES[n.opType ?? ''];
    if ((role !== 'passthrough' && role !== 'follower') || excluded.has(i)) return;
    const x = n.input?.[0] ?? '';
    const out = n.output?.[0] ?? '';
    if (!activations.has(x) || !isActivation(out)) return;
    participants.add(i);
    addAct(out, rootOf(activations, x));
  });

  // Outputs of activations, pools and layout ops get a pair only when a quantized op reads them
  // (directly or through layout ops): a detector's final Sigmoid → Reshape → output stays float,
  // so scores keep full precision and are never range-clipped. Conv/Add/Mul/Concat outputs keep
  // theirs regardless, since ORT only fuses those into integer kernels with a Q after them.
  // A unary/pass-through op whose output stays float runs float, so it does not count as a
  // quantized reader: NanoDet's class logits went Split → Q → DQ → float Sigmoid, a rounding
  // and two passes over 80 channels for nothing.
  const kept = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    for (const t of nodes[i]?.output ?? []) {
      if (!activations.has(t)) continue;
      const p = producer.get(t);
      const pRole = p === undefined ? undefined : ROLES[nodes[p]?.opType ?? ''];
      const readByQuantized = (consumers.get(t) ?? []).some((c) => {
        if (!participants.has(c)) return false;
        const role = ROLES[nodes[c]?.opType ?? ''];
        return role === 'weighted' || role === 'binary' || kept.has(nodes[c]?.output?.[0] ?? '');
      });
      if (pRole === 'weighted' || pRole === 'binary' || readByQuantized) kept.add(t);
      else activations.delete(t);
    }
  }
  // Such an op then reads a float tensor: it runs float and is no participant.
  for (const i of participants) {
    const role = ROLES[nodes[i]?.opType ?? ''];
    if (role === 'weighted' || role === 'binary') continue;
    if (!activations.has(nodes[i]?.input?.[0] ?? '')) participants.delete(i);
  }

  if (weighted.length === 0 && participants.size === 0) {
    throw new NothingToQuantizeError(
      'model has no quantizable ops (Conv, Gemm, MatMul, Add, Mul, Concat, pooling, Resize, activations) with float activation inputs',
    );
  }

  const foldedActivations = new Map<number, string>();
  if (options.activationType === 'uint8') {
    nodes.forEach((n, i) => {
      const x = n.input?.[0] ?? '';
      const out = n.output?.[0] ?? '';
      if (!participants.has(i) || !foldable(n, initializers) || !activations.has(out)) return;
      const p = producer.get(x);
      const pRole = p === undefined ? undefined : ROLES[nodes[p]?.opType ?? ''];
      if (p === undefined || !participants.has(p) || (pRole !== 'weighted' && pRole !== 'binary'))
        return;
      // Only the Relu reads x, so no other tensor shares x's parameters.
      if ((consumers.get(x) ?? []).length !== 1 || activations.get(x) !== x) return;
      foldedActivations.set(i, x);
    });
    for (const x of foldedActivations.values()) activations.delete(x);
  }

  const calibrate = [...new Set(activations.values())];
  const feedsCompute = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const role = ROLES[n.opType ?? ''];
    const computes = participants.has(i) && (role === 'weighted' || role === 'binary');
    if (computes || (n.output ?? []).some((t) => feedsCompute.has(t))) {
      for (const t of n.input ?? []) feedsCompute.add(t);
    }
  }
  const head = new Set(calibrate.filter((t) => !feedsCompute.has(t)));
  return {
    activationType: options.activationType,
    activations,
    weighted,
    constants: [...constants],
    foldedActivations,
    participants,
    excluded,
    stem,
    calibrate,
    head,
  };
}

/** Few-channel Convs on graph inputs, then the single-reader activations/pools after each. */
function stemNodes(graph: GraphProto, consumers: Map<string, number[]>): Set<number> {
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n)));
  const outputs = new Set((graph.output ?? []).map((v) => v.name ?? ''));
  const stem = new Set<number>();
  nodes.forEach((n, i) => {
    if (n.opType !== 'Conv' || !inputs.has(n.input?.[0] ?? '')) return;
    const w = inits.get(n.input?.[1] ?? '');
    const dims = (w?.dims ?? []).map((d) => toNum(d));
    const channels = (dims[1] ?? Infinity) * Math.max(1, toNum(attr(n, 'group')?.i));
    if (dims.length !== 4 || channels > 4) return;
    stem.add(i);
    let t = n.output?.[0] ?? '';
    for (;;) {
      const r = consumers.get(t) ?? [];
      const next = r[0];
      const role = next === undefined ? undefined : ROLES[nodes[next]?.opType ?? ''];
      if (r.length !== 1 || next === undefined || outputs.has(t)) break;
      if (role !== 'unary' && role !== 'passthrough') break;
      stem.add(next);
      t = nodes[next]?.output?.[0] ?? '';
    }
  });
  return stem;
}

function rootOf(activations: Map<string, string>, t: string): string {
  let cur = t;
  for (let i = 0; i < 1000; i++) {
    const next = activations.get(cur);
    if (next === undefined || next === cur) return cur;
    cur = next;
  }
  return cur;
}

/** Relu, or Clip with a lower bound of exactly 0: a uint8 Q with zero point 0 clamps the same way. */
function foldable(
  n: NodeProto,
  initializers: Map<string, { floatData?: number[] | null; rawData?: Uint8Array | null }>,
): boolean {
  if (n.opType === 'Relu') return true;
  if (n.opType !== 'Clip') return false;
  const minAttr = attr(n, 'min');
  if (minAttr) return minAttr.f === 0;
  const minName = n.input?.[1];
  if (!minName) return false;
  const t = initializers.get(minName);
  if (!t) return false;
  const raw = t.rawData;
  const v =
    raw && raw.length >= 4
      ? new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true)
      : t.floatData?.[0];
  return v === 0;
}

/** Nodes computed from graph outputs or from decode ops: the detector's post-processing. */
function postProcessingNodes(nodes: NodeProto[], graphOutputs: Set<string>): Set<number> {
  const tainted = new Set<string>(graphOutputs);
  const result = new Set<number>();
  nodes.forEach((n, i) => {
    const fromOutput = (n.input ?? []).some((t) => tainted.has(t));
    if (fromOutput || DECODE_OPS.has(n.opType ?? '')) {
      result.add(i);
      for (const t of n.output ?? []) tainted.add(t);
    }
  });
  return result;
}

const SAME_AS_INPUT = new Set([
  ...Object.keys(ROLES),
  'Sub',
  'Div',
  'Pad',
  'Slice',
  'Split',
  'Softmax',
  'Tanh',
  'ReduceMean',
  'ReduceMax',
  'Identity',
  'BatchNormalization',
  'HardSigmoid',
  'HardSwish',
  'Exp',
  'Neg',
  'Sqrt',
  'Pow',
  'Tile',
  'Expand',
  'Gather',
  'GatherElements',
  'Max',
  'Min',
  'Abs',
  'Floor',
  'ConvTranspose',
  'Einsum',
  'DepthToSpace',
  'SpaceToDepth',
  'Upsample',
  'Erf',
  'Reciprocal',
  'PRelu',
  'Elu',
  'Softplus',
  'Where',
]);

/**
 * Names of float32 tensors, from declared types and a forward pass over type-preserving ops
 * (ORT-optimised files often carry no value_info). Unknown ops make their outputs unknown.
 */
export function inferFloatTensors(graph: GraphProto): Set<string> {
  const type = new Map<string, number>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const et = v.type?.tensorType?.elemType;
    if (v.name && et) type.set(v.name, et);
  }
  for (const t of graph.initializer ?? []) if (t.name) type.set(t.name, t.dataType ?? 0);
  for (const n of graph.node ?? []) {
    const op = n.opType ?? '';
    const outs = n.output ?? [];
    let t: number | undefined;
    if (op === 'Cast') t = toNum(attr(n, 'to')?.i);
    else if (
      op === 'Shape' ||
      op === 'Size' ||
      op === 'NonZero' ||
      op === 'ArgMax' ||
      op === 'ArgMin'
    )
      t = DT.INT64;
    else if (op === 'Constant') t = attr(n, 'value')?.t?.dataType ?? undefined;
    else if (op === 'Where') t = type.get(n.input?.[1] ?? '');
    else if (SAME_AS_INPUT.has(op) || op === 'TopK') t = type.get(n.input?.[0] ?? '');
    if (t === undefined) continue;
    outs.forEach((o, k) => {
      if (!o || type.has(o)) return;
      if (op === 'TopK' && k === 1) type.set(o, DT.INT64);
      else type.set(o, t);
    });
  }
  return new Set([...type].filter(([, t]) => t === DT.FLOAT).map(([n]) => n));
}
