// TFJS graph → ONNX: walks the nodes in dependency order, folds constant subgraphs, and asks
// the op table for everything else. Graph inputs/outputs keep their TF names unless renamed.
import { OnnxGraphBuilder, type ValueSpec } from '../onnx/graph-builder.ts';
import type { TfjsGraph } from '../tfjs/graph.ts';
import type { TfNode } from '../tfjs/manifest.ts';
import type { ConstTensor } from '../tfjs/tensor.ts';
import { opError, type OpContext } from './context.ts';
import { FOLDERS } from './fold.ts';
import { OP_HANDLERS } from './ops/index.ts';
import { fusePads } from './pad-fusion.ts';
import { dataInputs, orderNodes } from './topo.ts';
import { CONVERTER_VERSION, ONNX_OPSET } from './version.ts';

export interface ConvertOptions {
  graphName: string;
  /** TF tensor name → ONNX name for graph inputs/outputs. */
  rename?: Readonly<Record<string, string>>;
  docString?: string;
  metadata?: readonly (readonly [string, string])[];
  /** Called after each TF node with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ConvertResult {
  bytes: Uint8Array;
  nodeCount: number;
  initializerCount: number;
  foldedNodes: number;
  /** Pad nodes moved into the following Conv/MaxPool's `pads`. */
  fusedPads: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

function outputRef(node: TfNode, k: number): string {
  return k === 0 ? node.name : `${node.name}:${k}`;
}

export function convertTfjsGraph(graph: TfjsGraph, opts: ConvertOptions): ConvertResult {
  const rename = opts.rename ?? {};
  const b = new OnnxGraphBuilder();
  const consts = new Map<string, ConstTensor>(graph.consts);
  const onnxName = new Map<string, string>(); // TF tensor ref → ONNX tensor name
  const order = orderNodes(
    graph.nodes,
    graph.outputs.map((o) => o.name),
  );
  let folded = 0;

  const inputs: ValueSpec[] = [];
  for (const [index, node] of order.entries()) {
    opts.onProgress?.(index, order.length);
    if (node.op === 'Const' || node.op === 'NoOp') continue;
    const refs = dataInputs(node);
    if (node.op === 'Placeholder') {
      const spec = graph.inputs.find((i) => i.name === node.name);
      if (!spec) throw opError(node, 'placeholder without a spec');
      const name = b.claim(rename[node.name] ?? node.name);
      onnxName.set(node.name, name);
      inputs.push({ name, dtype: spec.dtype, shape: spec.shape });
      continue;
    }
    const fold = FOLDERS[node.op];
    if (fold && refs.every((r) => consts.has(r))) {
      fold(
        node,
        refs.map((r) => consts.get(r) as ConstTensor),
      ).forEach((t, k) => consts.set(outputRef(node, k), t));
      folded++;
      continue;
    }
    const handler = OP_HANDLERS[node.op];
    if (!handler) throw opError(node, `TF op ${node.op} is not supported by the converter`);
    const ref = (i: number): string => {
      const r = refs[i];
      if (r === undefined) throw opError(node, `has no input ${i}`);
      return r;
    };
    const ctx: OpContext = {
      b,
      node,
      inputCount: refs.length,
      isConst: (i) => consts.has(ref(i)),
      constValue: (i) => {
        const v = consts.get(ref(i));
        if (!v) throw opError(node, `input ${i} ("${ref(i)}") must be constant for ONNX`);
        return v;
      },
      input: (i) => {
        const r = ref(i);
        const known = onnxName.get(r);
        if (known) return known;
        const v = consts.get(r);
        if (!v) throw opError(node, `input "${r}" is not produced by any converted node`);
        const name = b.initializer(r, v);
        onnxName.set(r, name);
        return name;
      },
      output: (k = 0) => {
        const r = outputRef(node, k);
        const known = onnxName.get(r);
        if (known) return known;
        const name = b.claim(rename[r] ?? r);
        onnxName.set(r, name);
        return name;
      },
      hint: (suffix) => `${node.name}#${suffix}`,
    };
    handler(ctx);
  }

  opts.onProgress?.(order.length, order.length);

  const outputs: ValueSpec[] = graph.outputs.map((o) => {
    const name = onnxName.get(o.name);
    if (!name)
      throw new Error(`output "${o.name}" is constant or was not produced; cannot export it`);
    return { name, dtype: o.dtype, shape: o.shape };
  });
  const fusedPads = fusePads(b.nodes, b.initializers, new Set(outputs.map((o) => o.name)));
  const bytes = b.encode({
    graphName: opts.graphName,
    opset: ONNX_OPSET,
    producerVersion: CONVERTER_VERSION,
    docString: opts.docString,
    metadata: opts.metadata,
    inputs,
    outputs,
  });
  return {
    bytes,
    nodeCount: b.nodes.length,
    initializerCount: b.initializers.length,
    foldedNodes: folded,
    fusedPads,
    inputs,
    outputs,
  };
}
