// Pad → [Transpose…] → Conv/MaxPool becomes one Conv/MaxPool with the padding in its `pads`
// attribute. TF graphs converted from PyTorch carry explicit Pads (zero before Conv, −∞ before
// MaxPool); ORT folds only the zero ones itself, and a lone float Pad also splits an INT8 graph
// into float islands. The result is exact: the consumer pads with the same value.
import { onnx } from '../onnx/proto.ts';

type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

// TensorProto.DataType codes (plain numbers: the generated enum is not erasable syntax).
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** The fill value each consumer's implicit padding uses. */
const IMPLICIT_FILL: Readonly<Record<string, number>> = { Conv: 0, MaxPool: -Infinity };

function attribute(n: NodeProto, name: string) {
  return (n.attribute ?? []).find((a) => a.name === name);
}

function attrInts(n: NodeProto, name: string): number[] | undefined {
  const a = attribute(n, name);
  return a ? (a.ints ?? []).map(Number) : undefined;
}

function attrText(n: NodeProto, name: string): string | undefined {
  const s = attribute(n, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
}

/** Values of a raw-data int64/int32/float initializer; undefined for anything else. */
function initValues(t: TensorProto | undefined): number[] | undefined {
  const raw = t?.rawData;
  if (!t || !raw) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = Number(t.dataType);
  const width = type === INT64 ? 8 : 4;
  const read = (i: number): number =>
    type === INT64
      ? Number(view.getBigInt64(i * width, true))
      : type === INT32
        ? view.getInt32(i * width, true)
        : view.getFloat32(i * width, true);
  if (type !== INT64 && type !== INT32 && type !== FLOAT) return undefined;
  return Array.from({ length: raw.byteLength / width }, (_, i) => read(i));
}

interface Fusion {
  pad: number;
  /** Node whose input `inputIndex` reads the Pad's output; it will read the Pad's input. */
  first: number;
  inputIndex: number;
  consumer: number;
  pads: number[];
}

/**
 * Fuse every eligible Pad into the Conv or MaxPool it feeds, in place. Eligible: constant mode,
 * constant pads ≥ 0 only on the consumer's spatial axes, the consumer's own fill value, one
 * reader at each step, explicit (not auto) padding on the consumer. Returns how many fused.
 */
export function fusePads(
  nodes: NodeProto[],
  initializers: TensorProto[],
  graphOutputs: ReadonlySet<string>,
): number {
  const inits = new Map(initializers.map((t) => [t.name, t]));
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const t of n.input ?? []) if (t) readers.set(t, [...(readers.get(t) ?? []), i]);
  });

  const fusions: Fusion[] = [];
  nodes.forEach((pad, i) => {
    if (pad.opType !== 'Pad') return;
    const f = planFusion(nodes, i, inits, readers, graphOutputs);
    if (f) fusions.push(f);
  });

  for (const f of fusions) {
    const pad = nodes[f.pad] as NodeProto;
    const first = nodes[f.first] as NodeProto;
    first.input[f.inputIndex] = pad.input[0] ?? '';
    const consumer = nodes[f.consumer] as NodeProto;
    const a = attribute(consumer, 'pads');
    if (a) a.ints = f.pads;
    else
      consumer.attribute.push(
        onnx.AttributeProto.create({
          name: 'pads',
          type: onnx.AttributeProto.AttributeType.INTS,
          ints: f.pads,
        }),
      );
  }
  const removed = new Set(fusions.map((f) => f.pad));
  const kept = nodes.filter((_, i) => !removed.has(i));
  nodes.splice(0, nodes.length, ...kept);

  // Drop the Pads' pads/value initializers when nothing else reads them.
  const used = new Set<string>(graphOutputs);
  for (const n of nodes) for (const t of n.input ?? []) used.add(t);
  const keptInits = initializers.filter((t) => used.has(t.name));
  initializers.splice(0, initializers.length, ...keptInits);
  return fusions.length;
}

function planFusion(
  nodes: readonly NodeProto[],
  padIndex: number,
  inits: ReadonlyMap<string, TensorProto>,
  readers: ReadonlyMap<string, number[]>,
  graphOutputs: ReadonlySet<string>,
): Fusion | undefined {
  const pad = nodes[padIndex] as NodeProto;
  const mode = attrText(pad, 'mode') ?? 'constant';
  const [, padsName, valueName, axesName] = pad.input ?? [];
  if (mode !== 'constant' || axesName || !padsName) return undefined;
  const pads = initValues(inits.get(padsName));
  if (!pads || pads.some((p) => p < 0 || !Number.isInteger(p))) return undefined;
  const fill = valueName ? initValues(inits.get(valueName)) : [0];
  if (fill?.length !== 1) return undefined;
  const rank = pads.length / 2;

  // Follow single-reader Transposes; `perm[i]` = Pad-output axis that lands on axis i.
  let perm = Array.from({ length: rank }, (_, d) => d);
  let t = pad.output?.[0] ?? '';
  let first: { node: number; inputIndex: number } | undefined;
  for (;;) {
    const r = readers.get(t) ?? [];
    const next = r[0];
    if (r.length !== 1 || next === undefined || graphOutputs.has(t)) return undefined;
    const n = nodes[next] as NodeProto;
    const inputIndex = (n.input ?? []).indexOf(t);
    first ??= { node: next, inputIndex };
    if (n.opType === 'Transpose') {
      const p = attrInts(n, 'perm');
      if (p?.length !== rank) return undefined;
      perm = p.map((k) => perm[k] ?? -1);
      t = n.output?.[0] ?? '';
      continue;
    }
    if (!(n.opType in IMPLICIT_FILL) || inputIndex !== 0 || rank < 3) return undefined;
    if (IMPLICIT_FILL[n.opType ?? ''] !== fill[0]) return undefined;
    if ((attrText(n, 'auto_pad') ?? 'NOTSET') !== 'NOTSET') return undefined;
    if (n.opType === 'MaxPool' && (attribute(n, 'ceil_mode')?.i ?? 0) !== 0) return undefined;
    // Batch and channel axes (0, 1 of the consumer) must not be padded.
    const begin = (axis: number): number => pads[perm[axis] ?? -1] ?? -1;
    const end = (axis: number): number => pads[rank + (perm[axis] ?? -1)] ?? -1;
    if ([0, 1].some((a) => begin(a) !== 0 || end(a) !== 0)) return undefined;
    const spatial = rank - 2;
    const own = attrInts(n, 'pads');
    const base = own?.length === 2 * spatial ? own : new Array<number>(2 * spatial).fill(0);
    const merged = base.map((p, k) => (k < spatial ? p + begin(2 + k) : p + end(2 + k - spatial)));
    if (merged.some((p) => p < 0)) return undefined;
    return {
      pad: padIndex,
      first: first.node,
      inputIndex: first.inputIndex,
      consumer: next,
      pads: merged,
    };
  }
}
