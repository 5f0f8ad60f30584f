// Apply a quantization plan: insert QuantizeLinear/DequantizeLinear pairs in ONNX Runtime's static
// QDQ format (the form ORT fuses into QLinear* kernels and TensorRT reads as explicit INT8).
import type { QuantPlan } from './plan.ts';
import type { QParams } from './ranges.ts';
import { activationQParams, roundHalfEven } from './ranges.ts';
import { quantizeBias, quantizeWeightPerChannel, quantizeWeightPerTensor } from './weights.ts';
import type { ModelProto, NodeProto, TensorProto } from './onnx-model.ts';
import { DT, intAttr, makeTensor, readFloats, tensorDims } from './onnx-model.ts';
import type onnxProto from 'onnx-proto';

export interface RewriteStats {
  qdqPairs: number;
  weights: number;
  biases: number;
  constants: number;
  foldedActivations: number;
}

export interface RewriteResult {
  model: onnxProto.onnx.IModelProto;
  stats: RewriteStats;
}

/** `qparams` holds the parameters of every root tensor in `plan.calibrate`. */
export function rewriteQdq(
  model: ModelProto,
  plan: QuantPlan,
  qparams: Map<string, QParams>,
): RewriteResult {
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const taken = new Set<string>();
  for (const t of inits.keys()) taken.add(t);
  for (const n of nodes)
    for (const t of [...(n.input ?? []), ...(n.output ?? []), n.name ?? '']) taken.add(t);
  for (const v of graph.input ?? []) taken.add(v.name ?? '');
  const unique = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };

  const qType = plan.activationType === 'int8' ? DT.INT8 : DT.UINT8;
  const newInits: TensorProto[] = [];
  const headNodes: NodeProto[] = [];
  const stats: RewriteStats = {
    qdqPairs: 0,
    weights: 0,
    biases: 0,
    constants: 0,
    foldedActivations: plan.foldedActivations.size,
  };

  // Scale/zero-point initializers, one set per root so that shared tensors use identical values.
  const paramNames = new Map<string, { scale: string; zp: string }>();
  const paramsOf = (t: string): { scale: string; zp: string; q: QParams } => {
    const root = plan.activations.get(t) ?? t;
    const q = qparams.get(root);
    if (!q) throw new Error(`no calibrated range for tensor ${root}`);
    let names = paramNames.get(root);
    if (!names) {
      names = { scale: unique(`${root}_scale`), zp: unique(`${root}_zero_point`) };
      newInits.push(makeTensor(names.scale, DT.FLOAT, [], Float32Array.of(q.scale)));
      newInits.push(zeroPointTensor(names.zp, qType, [], [q.zeroPoint]));
      paramNames.set(root, names);
    }
    return { ...names, q };
  };

  // Activation replacements: every non-excluded consumer reads the dequantized tensor.
  const dqOf = new Map<string, string>();
  for (const t of plan.activations.keys()) dqOf.set(t, unique(`${t}_DequantizeLinear_Output`));

  const qdqPair = (t: string): NodeProto[] => {
    const { scale, zp } = paramsOf(t);
    const q = unique(`${t}_QuantizeLinear_Output`);
    stats.qdqPairs++;
    return [
      {
        opType: 'QuantizeLinear',
        name: unique(`${t}_QuantizeLinear`),
        input: [t, scale, zp],
        output: [q],
      },
      {
        opType: 'DequantizeLinear',
        name: unique(`${t}_DequantizeLinear`),
        input: [q, scale, zp],
        output: [dqOf.get(t)!],
      },
    ];
  };

  const dequantizeInit = (
    name: string,
    data: TensorProto,
    scales: Float32Array,
    zpType: number,
    zeroPoint: number,
    axis?: number,
  ): string => {
    const scaleName = unique(`${name}_scale`);
    const zpName = unique(`${name}_zero_point`);
    const shape = axis === undefined ? [] : [scales.length];
    newInits.push(data);
    newInits.push(makeTensor(scaleName, DT.FLOAT, shape, scales));
    newInits.push(
      zeroPointTensor(zpName, zpType, shape, new Array<number>(scales.length).fill(zeroPoint)),
    );
    const out = unique(`${name}_DequantizeLinear_Output`);
    headNodes.push({
      opType: 'DequantizeLinear',
      name: unique(`${name}_DequantizeLinear`),
      input: [data.name ?? '', scaleName, zpName],
      output: [out],
      attribute: axis === undefined ? [] : [intAttr('axis', axis)],
    });
    return out;
  };

  // Per-node input replacements for weights, biases and constants.
  const nodeInputs = new Map<number, Map<string, string>>();
  const setInput = (node: number, from: string, to: string): void => {
    const m = nodeInputs.get(node) ?? new Map<string, string>();
    m.set(from, to);
    nodeInputs.set(node, m);
  };

  const weightDq = new Map<string, { out: string; scales: Float32Array }>();
  const biasDq = new Map<string, string>();
  for (const w of plan.weighted) {
    let wq = weightDq.get(w.weight);
    if (!wq) {
      const t = inits.get(w.weight)!;
      const dims = tensorDims(t);
      const q =
        w.axis === undefined
          ? quantizeWeightPerTensor(readFloats(t))
          : quantizeWeightPerChannel(readFloats(t), dims, w.axis);
      const data = makeTensor(unique(`${w.weight}_quantized`), DT.INT8, dims, q.data);
      wq = { out: dequantizeInit(w.weight, data, q.scales, DT.INT8, 0, w.axis), scales: q.scales };
      weightDq.set(w.weight, wq);
      stats.weights++;
    }
    setInput(w.node, w.weight, wq.out);
    if (w.bias) {
      const inputParams = paramsOf(w.input).q;
      const key = `${w.bias}|${plan.activations.get(w.input) ?? w.input}|${w.weight}`;
      let out = biasDq.get(key);
      if (!out) {
        const t = inits.get(w.bias)!;
        const b = quantizeBias(readFloats(t), inputParams.scale, wq.scales);
        const data = makeTensor(unique(`${w.bias}_quantized`), DT.INT32, tensorDims(t), b.data);
        const perTensor = w.axis === undefined;
        out = dequantizeInit(
          w.bias,
          data,
          perTensor ? b.scales.subarray(0, 1) : b.scales,
          DT.INT32,
          0,
          perTensor ? undefined : 0,
        );
        biasDq.set(key, out);
        stats.biases++;
      }
      setInput(w.node, w.bias, out);
    }
  }

  const constDq = new Map<string, string>();
  for (const c of plan.constants) {
    const t = inits.get(c)!;
    const values = readFloats(t);
    let lo = 0;
    let hi = 0;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const q = activationQParams({ min: lo, max: hi }, plan.activationType);
    const ints = values.map((v) => clampQ(roundHalfEven(v / q.scale) + q.zeroPoint, qType));
    const data = makeTensor(
      unique(`${c}_quantized`),
      qType,
      tensorDims(t),
      qType === DT.INT8 ? Int8Array.from(ints) : Uint8Array.from(ints),
    );
    const out = dequantizeInit(c, data, Float32Array.of(q.scale), qType, q.zeroPoint);
    constDq.set(c, out);
    stats.constants++;
  }
  nodes.forEach((n, i) => {
    if (!plan.participants.has(i)) return;
    for (const t of n.input ?? []) {
      const dq = constDq.get(t);
      if (dq && !nodeInputs.get(i)?.has(t)) setInput(i, t, dq);
    }
  });

  // Fold Relu/Clip into the preceding Q (uint8): the producer writes the activation's output directly.
  const renameOutput = new Map<string, string>();
  for (const [i, x] of plan.foldedActivations) renameOutput.set(x, nodes[i]?.output?.[0] ?? '');

  const body: NodeProto[] = [];
  const graphInputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
  for (const t of plan.activations.keys()) if (graphInputs.has(t)) body.push(...qdqPair(t));
  nodes.forEach((n, i) => {
    if (plan.foldedActivations.has(i)) return;
    const own = nodeInputs.get(i);
    const keepFloat = plan.excluded.has(i);
    const input = (n.input ?? []).map((t) => own?.get(t) ?? (keepFloat ? t : (dqOf.get(t) ?? t)));
    const output = (n.output ?? []).map((t) => renameOutput.get(t) ?? t);
    body.push({ ...n, input, output });
    for (const t of output) if (plan.activations.has(t)) body.push(...qdqPair(t));
  });

  const allNodes = [...headNodes, ...body];
  const used = new Set<string>();
  for (const n of allNodes) for (const t of n.input ?? []) used.add(t);
  for (const o of graph.output ?? []) used.add(o.name ?? '');
  const keptInits = [
    ...(graph.initializer ?? []).filter((t) => used.has(t.name ?? '')),
    ...newInits,
  ];
  const keptNames = new Set(keptInits.map((t) => t.name ?? ''));
  const dropped = new Set([...inits.keys()].filter((k) => !keptNames.has(k)));
  const existing = new Set<string>();
  for (const n of allNodes) for (const t of n.output ?? []) existing.add(t);

  const newGraph = {
    ...graph,
    node: allNodes,
    initializer: keptInits,
    input: (graph.input ?? []).filter((v) => !dropped.has(v.name ?? '')),
    valueInfo: (graph.valueInfo ?? []).filter((v) => existing.has(v.name ?? '')),
  };
  return { model: { ...model, graph: newGraph }, stats };
}

function zeroPointTensor(
  name: string,
  type: number,
  dims: number[],
  values: number[],
): TensorProto {
  if (type === DT.INT8) return makeTensor(name, type, dims, Int8Array.from(values));
  if (type === DT.UINT8) return makeTensor(name, type, dims, Uint8Array.from(values));
  return makeTensor(name, type, dims, Int32Array.from(values));
}

function clampQ(v: number, type: number): number {
  return type === DT.INT8 ? Math.max(-128, Math.min(127, v)) : Math.max(0, Math.min(255, v));
}
