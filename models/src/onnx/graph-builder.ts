// Accumulates ONNX nodes and initializers in a fixed order and serialises a ModelProto.
// Nothing time- or environment-dependent goes in, so the same graph gives the same bytes.
import type { ConstTensor, DType } from '../tfjs/tensor.ts';
import { onnx } from './proto.ts';
import { onnxDataType, tensorProto } from './tensor-proto.ts';

export type OnnxAttr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
const AttrType = onnx.AttributeProto.AttributeType;

export interface ValueSpec {
  name: string;
  dtype: DType;
  shape: readonly number[];
}

export interface ModelInfo {
  graphName: string;
  opset: number;
  producerVersion: string;
  docString?: string;
  /** Written as metadata_props, in the order given. */
  metadata?: readonly (readonly [string, string])[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
}

function attributeProto(name: string, a: OnnxAttr) {
  if ('i' in a) return onnx.AttributeProto.create({ name, type: AttrType.INT, i: a.i });
  if ('f' in a) return onnx.AttributeProto.create({ name, type: AttrType.FLOAT, f: a.f });
  if ('s' in a)
    return onnx.AttributeProto.create({
      name,
      type: AttrType.STRING,
      s: new TextEncoder().encode(a.s),
    });
  if ('ints' in a)
    return onnx.AttributeProto.create({ name, type: AttrType.INTS, ints: [...a.ints] });
  return onnx.AttributeProto.create({ name, type: AttrType.FLOATS, floats: [...a.floats] });
}

function valueInfo(v: ValueSpec) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: onnxDataType(v.dtype),
        shape: { dim: v.shape.map((d) => (d >= 0 ? { dimValue: d } : { dimParam: 'N' })) },
      },
    },
  });
}

export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** Reserve a name that is unique in the graph, derived from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let k = 1; this.used.has(name); k++) name = `${hint}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Claim an exact name (graph inputs, TF tensor names); throws on a clash. */
  claim(name: string): string {
    if (this.used.has(name)) throw new Error(`duplicate tensor name "${name}"`);
    this.used.add(name);
    return name;
  }

  initializer(hint: string, t: ConstTensor): string {
    const name = this.fresh(hint);
    this.initializers.push(tensorProto(name, t));
    return name;
  }

  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, OnnxAttr> = {},
    nameHint = outputs[0] ?? opType,
  ): void {
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.fresh(`${nameHint}#${opType}`),
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(attrs).map(([k, v]) => attributeProto(k, v)),
      }),
    );
  }

  /** One node with a fresh output name; returns that name. */
  op(
    opType: string,
    inputs: readonly string[],
    hint: string,
    attrs: Record<string, OnnxAttr> = {},
  ): string {
    const out = this.fresh(hint);
    this.node(opType, inputs, [out], attrs);
    return out;
  }

  encode(info: ModelInfo): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: info.opset }],
      producerName: 'pretag-models',
      producerVersion: info.producerVersion,
      docString: info.docString ?? '',
      metadataProps: (info.metadata ?? []).map(([key, value]) => ({ key, value })),
      graph: {
        name: info.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: info.inputs.map(valueInfo),
        output: info.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
