import type onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { planQuantization } from '../../../models/src/quantize/plan.ts';

const f32 = (name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto => ({
  name,
  dataType: 1,
  dims,
  rawData: new Uint8Array(Float32Array.from(values).buffer),
});
const io = (name: string): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1 } },
});

// x → Mul(c, x) → Conv → Sigmoid → Reshape → scores (output); scores → MaxPool → peaks (output).
function detectorLikeGraph(): onnxProto.onnx.IGraphProto {
  return {
    input: [io('x')],
    output: [io('scores'), io('peaks')],
    initializer: [
      f32('c', [], [0.5]),
      f32('w', [2, 2, 1, 1], [1, 0, 0, 1]),
      f32('b', [2], [0, 0]),
      {
        name: 'shape',
        dataType: 7,
        dims: [1],
        rawData: new Uint8Array(BigInt64Array.of(-1n).buffer),
      },
    ],
    node: [
      { name: 'scale', opType: 'Mul', input: ['c', 'x'], output: ['m'] }, // constant first, as ORT reorders it
      { name: 'conv', opType: 'Conv', input: ['m', 'w', 'b'], output: ['logits'] },
      { name: 'sig', opType: 'Sigmoid', input: ['logits'], output: ['s'] },
      { name: 'flat', opType: 'Reshape', input: ['s', 'shape'], output: ['scores'] },
      { name: 'peak', opType: 'MaxPool', input: ['scores'], output: ['peaks'] },
    ],
  };
}

describe('quantization plan', () => {
  const plan = planQuantization(detectorLikeGraph(), { activationType: 'uint8' });
  const names = (idx: Set<number>): string[] =>
    [...idx].map((i) => detectorLikeGraph().node![i]!.name!).sort();

  it('quantizes Mul whichever operand is the constant', () => {
    expect(plan.constants).toEqual(['c']);
    expect([...plan.activations.keys()]).toContain('x');
    expect([...plan.activations.keys()]).toContain('m');
  });

  it('keeps the final Sigmoid → Reshape → output path float so scores are not clipped', () => {
    expect([...plan.activations.keys()].sort()).toEqual(['logits', 'm', 'x']);
    expect(names(plan.participants)).toEqual(['conv', 'scale', 'sig']);
  });

  it('marks the head logits (after the last Conv) for a symmetric range', () => {
    expect([...plan.head]).toEqual(['logits']);
  });

  it('treats ops computed from a graph output as post-processing and keeps them float', () => {
    expect(names(plan.excluded)).toEqual(['peak']);
  });

  it('plans per-channel int8 weights with an int32 bias for Conv', () => {
    expect(plan.weighted).toEqual([{ node: 1, weight: 'w', bias: 'b', axis: 0, input: 'm' }]);
  });
});

// x → Conv → head → Split → (cls → Sigmoid → Reshape → scores, reg → Reshape → boxes): NanoDet's
// head. Also x → Conv → a → LeakyRelu → l → Conv → z (output): an activation between two Convs.
function splitHeadGraph(): onnxProto.onnx.IGraphProto {
  const shape = {
    name: 'shape',
    dataType: 7,
    dims: [1],
    rawData: new Uint8Array(BigInt64Array.of(-1n).buffer),
  };
  return {
    input: [io('x')],
    output: [io('scores'), io('boxes'), io('z')],
    initializer: [
      f32('w', [2, 1, 1, 1], [1, -1]),
      f32('w1', [1, 1, 1, 1], [2]),
      f32('w2', [1, 1, 1, 1], [3]),
      shape,
    ],
    node: [
      { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['head'] },
      { name: 'split', opType: 'Split', input: ['head'], output: ['cls', 'reg'] },
      { name: 'sig', opType: 'Sigmoid', input: ['cls'], output: ['s'] },
      { name: 'flat', opType: 'Reshape', input: ['s', 'shape'], output: ['scores'] },
      { name: 'flatReg', opType: 'Reshape', input: ['reg', 'shape'], output: ['boxes'] },
      { name: 'c1', opType: 'Conv', input: ['x', 'w1'], output: ['a'] },
      { name: 'act', opType: 'LeakyRelu', input: ['a'], output: ['l'] },
      { name: 'c2', opType: 'Conv', input: ['l', 'w2'], output: ['z'] },
    ],
  };
}

describe('quantization plan: ops that run float', () => {
  const g = splitHeadGraph();
  const plan = planQuantization(g, { activationType: 'uint8' });
  const names = (idx: Set<number>): string[] => [...idx].map((i) => g.node![i]!.name!).sort();

  it('puts no Q/DQ pair in front of a Sigmoid whose output stays float', () => {
    // The Conv output keeps its pair (ORT needs the Q to fuse QLinearConv); the split-off logits
    // would only be rounded and dequantized again before a float Sigmoid.
    expect(plan.activations.has('head')).toBe(true);
    expect(plan.activations.has('cls')).toBe(false);
    expect(names(plan.participants)).not.toContain('sig');
  });

  it('still quantizes an activation whose output a quantized Conv reads', () => {
    expect(plan.activations.has('a')).toBe(true);
    expect(plan.activations.has('l')).toBe(true);
    expect(names(plan.participants)).toEqual(['act', 'c1', 'c2', 'conv']);
  });
});
