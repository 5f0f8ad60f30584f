// Minimal ONNX protobuf helpers for the quantizer: decode/encode, read float tensors, build new ones.
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** ONNX TensorProto.DataType codes used here (plain numbers: the library's enum is not erasable). */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

/** int64 fields decode as Long objects (typed loosely by the library); we only need small integers. */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v && typeof v.toNumber === 'function') {
    return Number((v as { toNumber(): number }).toNumber());
  }
  return 0;
}

export class OnnxDecodeError extends Error {
  override name = 'OnnxDecodeError';
}

/** Decode bytes as an ONNX model, failing clearly on anything that is not one. */
export function decodeModel(bytes: Uint8Array, label = 'input'): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new OnnxDecodeError(`${label} is not an ONNX model: ${(err as Error).message}`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 || toNum(model.irVersion) === 0) {
    throw new OnnxDecodeError(`${label} is not an ONNX model (no graph, nodes or IR version)`);
  }
  return model;
}

export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

export function opsetVersion(model: onnxProto.onnx.IModelProto): number {
  const def = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return toNum(def?.version);
}

export function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => toNum(d));
}

/** Float contents of a FLOAT (or FLOAT16) initializer, whichever field holds them. */
export function readFloats(t: TensorProto): Float32Array {
  const n = tensorDims(t).reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  if (t.dataType === DT.FLOAT) {
    if (raw && raw.length > 0) {
      const copy = new Uint8Array(raw); // aligned copy
      return new Float32Array(copy.buffer, 0, n);
    }
    return Float32Array.from(t.floatData ?? []);
  }
  if (t.dataType === DT.FLOAT16) {
    const out = new Float32Array(n);
    if (raw && raw.length > 0) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    } else {
      const src = t.int32Data ?? [];
      for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i] ?? 0);
    }
    return out;
  }
  throw new Error(`tensor ${t.name ?? ''} is not float (data type ${t.dataType ?? '?'})`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

type Typed = Float32Array | Int8Array | Uint8Array | Int32Array;

/** Build an initializer stored as raw little-endian bytes (the compact, deterministic form). */
export function makeTensor(
  name: string,
  dataType: number,
  dims: number[],
  data: Typed,
): TensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { name, dataType, dims, rawData: new Uint8Array(bytes) };
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? toNum(a.i) : fallback;
}

export function intAttr(name: string, value: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}
