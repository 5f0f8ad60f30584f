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

// x → LeakyRelu(0.1) → MaxPool 2×2 stride 2 (→ `pooled`), and x → LeakyRelu → `act` (an output).
function leakyPoolGraph(): onnxProto.onnx.IGraphProto {
  const alpha: onnxProto.onnx.IAttributeProto = {
    name: 'alpha',
    type: onnx.AttributeProto.AttributeType.FLOAT,
    f: 0.1,
  };
  return {
    name: 'leaky-pool',
    input: [io('x', [1, 2, 5, 5])],
    output: [io('pooled', [1, 2, 2, 2]), io('act', [1, 2, 5, 5])],
    node: [
      { name: 'leaky', opType: 'LeakyRelu', input: ['x'], output: ['y'], attribute: [alpha] },
      {
        name: 'pool',
        opType: 'MaxPool',
        input: ['y'],
        output: ['pooled'],
        attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])],
      },
      { name: 'leaky2', opType: 'LeakyRelu', input: ['x'], output: ['act'], attribute: [alpha] },
    ],
  };
}

describe('canonicalize: MaxPool before LeakyRelu', () => {
  it('pools first when only the pool reads the activation, with the same result', async () => {
    const { graph, poolBeforeActivation } = canonicalize(leakyPoolGraph());
    expect(poolBeforeActivation).toEqual(['pool']);
    expect(graph.node!.map((n) => n.name)).toEqual(['pool', 'leaky', 'leaky2']);
    // Negative values too: LeakyRelu keeps their order, so max and activation commute.
    const x = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i * 1.7) - 0.3);
    const [a, b] = [await run(leakyPoolGraph(), x), await run(graph, x)];
    expect([...(b.pooled!.data as Float32Array)]).toEqual([...(a.pooled!.data as Float32Array)]);
    // By hand: channel 0's first window holds x[0], x[1], x[5], x[6].
    const w = [0, 1, 5, 6].map((i) => x[i]!);
    const m = Math.max(...w);
    expect((b.pooled!.data as Float32Array)[0]).toBeCloseTo(m > 0 ? m : 0.1 * m, 6);
  });

  it('leaves a LeakyRelu that another node or the graph output also reads', () => {
    const g = leakyPoolGraph();
    g.output = [...(g.output ?? []), io('y', [1, 2, 5, 5])];
    const { graph, poolBeforeActivation } = canonicalize(g);
    expect(poolBeforeActivation).toEqual([]);
    expect(graph.node!.map((n) => n.name)).toEqual(['leaky', 'pool', 'leaky2']);
  });
});
