import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../models/src/quantize/canonicalize.ts';

const { onnx } = onnxProto;
const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: v,
});
const io = (name: string, dims: number[]): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

// x → Conv 1×1 → Mul(c, ·) → ReduceMean over H, W (a squeeze-excite pool) and over C (left alone).
function seGraph(): onnxProto.onnx.IGraphProto {
  const w = Float32Array.from({ length: 6 }, (_, i) => (i - 2) / 3);
  return {
    name: 'se',
    input: [io('x', [1, 2, 5, 5])],
    output: [io('pooled', [1, 3, 1, 1]), io('channels', [1, 1, 5, 5])],
    initializer: [
      { name: 'w', dataType: 1, dims: [3, 2, 1, 1], rawData: new Uint8Array(w.buffer) },
      { name: 'c', dataType: 1, dims: [], rawData: new Uint8Array(Float32Array.of(0.5).buffer) },
    ],
    node: [
      { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['y'] },
      { name: 'scale', opType: 'Mul', input: ['c', 'y'], output: ['z'] },
      {
        name: 'pool',
        opType: 'ReduceMean',
        input: ['z'],
        output: ['pooled'],
        attribute: [ints('axes', [2, 3])],
      },
      {
        name: 'chan',
        opType: 'ReduceMean',
        input: ['z'],
        output: ['channels'],
        attribute: [ints('axes', [1])],
      },
    ],
  };
}

async function run(
  graph: onnxProto.onnx.IGraphProto,
  x: Float32Array,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.fromObject({ irVersion: 8, opsetImport: [{ version: 13 }], graph }),
  ).finish();
  const s = await ort.InferenceSession.create(bytes);
  return s.run({ x: new ort.Tensor('float32', x, [1, 2, 5, 5]) });
}

describe('canonicalize', () => {
  it('turns a spatial ReduceMean of a 4-D tensor into GlobalAveragePool with the same result', async () => {
    const { graph, reduceMeanToPool } = canonicalize(seGraph());
    expect(reduceMeanToPool).toEqual(['pool']);
    expect(graph.node!.map((n) => n.opType)).toEqual([
      'Conv',
      'Mul',
      'GlobalAveragePool',
      'ReduceMean',
    ]);
    const x = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const [a, b] = [await run(seGraph(), x), await run(graph, x)];
    const before = a.pooled!.data as Float32Array;
    const after = b.pooled!.data as Float32Array;
    before.forEach((v, i) => expect(after[i]).toBeCloseTo(v, 6));
    expect([...(b.channels!.data as Float32Array)]).toEqual([
      ...(a.channels!.data as Float32Array),
    ]);
  });
});
