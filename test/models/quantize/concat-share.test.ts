// shareConcatParams: a Concat input takes the Concat output's scale and zero point only when its
// own scale is nearly as coarse and the output's range holds all of its values.
import type onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { shareConcatParams } from '../../../models/src/quantize/concat-share.ts';
import { planQuantization } from '../../../models/src/quantize/plan.ts';
import type { QParams } from '../../../models/src/quantize/ranges.ts';

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

// x → Conv → a, x → Conv → b, Concat(a, b) → c → Conv → y
function graph(): onnxProto.onnx.IGraphProto {
  return {
    input: [io('x')],
    output: [io('y')],
    initializer: [
      f32('w1', [1, 1, 1, 1], [1]),
      f32('w2', [1, 1, 1, 1], [2]),
      f32('w3', [1, 2, 1, 1], [1, 1]),
    ],
    node: [
      { name: 'ca', opType: 'Conv', input: ['x', 'w1'], output: ['a'] },
      { name: 'cb', opType: 'Conv', input: ['x', 'w2'], output: ['b'] },
      { name: 'cat', opType: 'Concat', input: ['a', 'b'], output: ['c'] },
      { name: 'cy', opType: 'Conv', input: ['c', 'w3'], output: ['y'] },
    ],
  };
}

// uint8 parameters of a [lo, hi] range: scale (hi − lo)/255, zero point −lo/scale.
const u8 = (lo: number, hi: number): QParams => {
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.round(-lo / scale) };
};

describe('shareConcatParams', () => {
  it('re-roots an input whose scale is ≥ 0.9 of the output’s, keeps a much finer one', () => {
    const g = graph();
    const plan = planQuantization(g, { activationType: 'uint8' });
    // c spans [-1, 10]; a spans [-1, 9.5] (scale ratio 0.95); b spans [0, 5] (ratio ≈ 0.45).
    const qparams = new Map([
      ['x', u8(-1, 1)],
      ['a', u8(-1, 9.5)],
      ['b', u8(0, 5)],
      ['c', u8(-1, 10)],
    ]);
    expect(shareConcatParams(g, plan, qparams)).toEqual(['a']);
    expect(plan.activations.get('a')).toBe('c');
    expect(plan.activations.get('b')).toBe('b');
  });

  it('keeps an input whose values the output’s range would clip', () => {
    const g = graph();
    const plan = planQuantization(g, { activationType: 'uint8' });
    // a reaches −3 but the output's parameters stop at −1 (e.g. a percentile range).
    const qparams = new Map([
      ['x', u8(-1, 1)],
      ['a', u8(-3, 7)],
      ['b', u8(0, 5)],
      ['c', u8(-1, 10)],
    ]);
    expect(shareConcatParams(g, plan, qparams)).toEqual([]);
    expect(plan.activations.get('a')).toBe('a');
  });
});
