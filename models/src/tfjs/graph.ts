// Loads a TFJS graph model from disk: topology, decoded constants and the signature.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { attrShape, attrType } from './attrs.ts';
import { modelJsonSchema, type ModelJson, type Signature, type TfNode } from './manifest.ts';
import { dtypeFromTf, type ConstTensor, type DType } from './tensor.ts';
import { decodeWeights } from './weights.ts';

export interface TensorSpec {
  /** TF tensor name without the ":0" suffix, e.g. "tower_0/images" or "Identity_2". */
  name: string;
  dtype: DType;
  shape: number[];
}

export interface TfjsGraph {
  /** Non-Const nodes plus Const nodes, in file order. */
  nodes: TfNode[];
  /** Const node name → value (from the weights manifest). */
  consts: Map<string, ConstTensor>;
  inputs: TensorSpec[];
  /** From the signature (or the userDefinedMetadata signature); names sorted for stability. */
  outputs: TensorSpec[];
  /** The files read, json first: their bytes decide whether a rebuild is needed. */
  files: string[];
  meta: { generatedBy?: string; convertedBy?: string };
}

function stripPort(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

function specsFrom(sig: Signature['outputs']): TensorSpec[] {
  return Object.values(sig ?? {})
    .map((t) => ({
      name: stripPort(t.name),
      dtype: dtypeFromTf(t.dtype ?? 'DT_FLOAT'),
      shape: (t.tensorShape?.dim ?? []).map((d) => Number(d.size ?? -1)),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function parseModelJson(text: string, where: string): ModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${where}: not a TFJS graph model (${issue?.path.join('.')}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

/** The model.json and its weight files, without decoding anything (for change detection). */
export function modelFiles(jsonPath: string): string[] {
  const model = parseModelJson(readFileSync(jsonPath, 'utf8'), jsonPath);
  const dir = path.dirname(jsonPath);
  return [jsonPath, ...model.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)))];
}

export function loadTfjsGraph(jsonPath: string): TfjsGraph {
  const model = parseModelJson(readFileSync(jsonPath, 'utf8'), jsonPath);
  const dir = path.dirname(jsonPath);
  const files = [jsonPath];
  const consts = new Map<string, ConstTensor>();
  for (const group of model.weightsManifest) {
    const parts = group.paths.map((p) => {
      const f = path.join(dir, p);
      files.push(f);
      return readFileSync(f);
    });
    for (const [k, v] of decodeWeights(group.weights, new Uint8Array(Buffer.concat(parts))))
      consts.set(k, v);
  }
  const nodes = model.modelTopology.node;
  for (const n of nodes) {
    if (n.op !== 'Const') continue;
    const value = consts.get(n.name);
    if (!value) throw new Error(`${jsonPath}: Const "${n.name}" has no weights in the manifest`);
    // TFJS stores int64 constants as int32; remember the graph's type for the ONNX side.
    if (attrType(n, 'dtype') === 'DT_INT64' && value.dtype === 'int32')
      consts.set(n.name, { ...value, dtype: 'int64' });
  }
  const inputs = nodes
    .filter((n) => n.op === 'Placeholder')
    .map((n) => ({
      name: n.name,
      dtype: dtypeFromTf(attrType(n, 'dtype') ?? 'DT_FLOAT'),
      shape: attrShape(n) ?? [],
    }));
  const sig = model.signature ?? model.userDefinedMetadata?.signature;
  const outputs = specsFrom(sig?.outputs);
  if (!outputs.length) throw new Error(`${jsonPath}: the model has no output signature`);
  return {
    nodes,
    consts,
    inputs,
    outputs,
    files,
    meta: { generatedBy: model.generatedBy, convertedBy: model.convertedBy ?? undefined },
  };
}
