import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorCalibrationSource } from '../../../models/src/quantize/calibration-source.ts';
import { optimizedOpCounts } from '../../../models/src/quantize/inspect.ts';
import { quantizeModel } from '../../../models/src/quantize/quantize-model.ts';
import { inputs, noQuantizableModel, tinyModel, tinyWeights } from './tiny-model.ts';

const { onnx } = onnxProto;
type Tensor = onnxProto.onnx.ITensorProto;

let dir = '';
const floatPath = (): string => path.join(dir, 'tiny.onnx');
const calibration = inputs(16);
const source = () =>
  tensorCalibrationSource(calibration.map((d) => new ort.Tensor('float32', d, [1, 2, 8, 8])));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pretag-quant-test-'));
  await writeFile(floatPath(), tinyModel());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(file: string): Promise<onnxProto.onnx.ModelProto> {
  return onnx.ModelProto.decode(await readFile(file));
}

function init(m: onnxProto.onnx.ModelProto, name: string): Tensor {
  const t = m.graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

function values(t: Tensor): number[] {
  const raw = new Uint8Array(t.rawData!);
  if (t.dataType === 1) return [...new Float32Array(raw.buffer)];
  if (t.dataType === 3) return [...new Int8Array(raw.buffer)];
  if (t.dataType === 2) return [...raw];
  if (t.dataType === 6) return [...new Int32Array(raw.buffer)];
  throw new Error(`type ${t.dataType}`);
}

/** Node whose given output (or input) is `tensor`. */
const producer = (m: onnxProto.onnx.ModelProto, tensor: string) =>
  m.graph!.node!.find((n) => n.output!.includes(tensor));
const scaleOf = (m: onnxProto.onnx.ModelProto, dqOutput: string): number[] =>
  values(init(m, producer(m, dqOutput)!.input![1]!));

async function run(file: string, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file);
  const out = await s.run({ x: new ort.Tensor('float32', x, [1, 2, 8, 8]) });
  await s.release();
  return out.y!.data as Float32Array;
}

function conv2dRef(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  cin: number,
  cout: number,
  k: number,
): Float32Array {
  const H = 8;
  const pad = (k - 1) / 2;
  const y = new Float32Array(cout * H * H);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) {
        let s = b[o]!;
        for (let c = 0; c < cin; c++)
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const yi = i + u - pad;
              const xj = j + v - pad;
              if (yi < 0 || yi >= H || xj < 0 || xj >= H) continue;
              s += x[c * H * H + yi * H + xj]! * w[((o * cin + c) * k + u) * k + v]!;
            }
        y[o * H * H + i * H + j] = s;
      }
  return y;
}

describe.each(['int8', 'uint8'] as const)(
  'quantizeModel on a hand-built Conv→Relu→Conv→Add (%s activations)',
  (act) => {
    const out = (): string => path.join(dir, `tiny-${act}.onnx`);
    let summary: Awaited<ReturnType<typeof quantizeModel>>;
    let q: onnxProto.onnx.ModelProto;

    beforeAll(async () => {
      summary = await quantizeModel({
        input: floatPath(),
        output: out(),
        calibration: source(),
        method: 'minmax',
        activationType: act,
      });
      q = await load(out());
    });

    it('stores Conv weights as int8 with per-channel scales max|w|/127 (axis 0)', () => {
      const w = tinyWeights();
      const dq = producer(q, 'w1_DequantizeLinear_Output')!;
      expect(dq.opType).toBe('DequantizeLinear');
      const wq = init(q, dq.input![0]!);
      expect(wq.dataType).toBe(onnx.TensorProto.DataType.INT8);
      expect(Number(dq.attribute!.find((a) => a.name === 'axis')?.i)).toBe(0);
      const scales = values(init(q, dq.input![1]!));
      // By construction channel c of w1 has max |w| = 0.1·(c+1).
      expect(scales).toHaveLength(4);
      scales.forEach((s, c) => expect(s).toBeCloseTo((0.1 * (c + 1)) / 127, 9));
      const ints = values(wq);
      ints.forEach((v, i) => expect(v).toBe(Math.round(w.w1[i]! / scales[Math.floor(i / 18)]!)));
      expect(Math.max(...ints.map(Math.abs))).toBe(127);
      expect(init(q, dq.input![2]!).dataType).toBe(onnx.TensorProto.DataType.INT8);
      expect(values(init(q, dq.input![2]!))).toEqual([0, 0, 0, 0]);
      expect(q.graph!.initializer!.some((i) => i.name === 'w1')).toBe(false); // float weights dropped
    });

    it('stores biases as int32 at input scale × weight scale', () => {
      const w = tinyWeights();
      const bdq = producer(q, 'b1_DequantizeLinear_Output')!;
      const bq = init(q, bdq.input![0]!);
      expect(bq.dataType).toBe(onnx.TensorProto.DataType.INT32);
      const xScale = scaleOf(q, 'x_DequantizeLinear_Output')[0]!;
      const wScales = scaleOf(q, 'w1_DequantizeLinear_Output');
      expect(values(bq)).toEqual([...w.b1].map((b, c) => Math.round(b / (xScale * wScales[c]!))));
    });

    it('sizes the input activation from the calibration data (min-max)', () => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const d of calibration) for (const v of d) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      const dq = producer(q, 'x_DequantizeLinear_Output')!;
      const s = values(init(q, dq.input![1]!))[0]!;
      const zp = values(init(q, dq.input![2]!))[0]!;
      if (act === 'int8') {
        expect(s).toBeCloseTo(Math.max(-lo, hi) / 127, 7);
        expect(zp).toBe(0);
      } else {
        expect(s).toBeCloseTo((hi - Math.min(lo, 0)) / 255, 7);
        expect(zp).toBe(Math.round(-Math.min(lo, 0) / s));
      }
    });

    it('puts one Q/DQ pair on each activation feeding a quantized op, none on the graph output', () => {
      const quantized = q
        .graph!.node!.filter((n) => n.opType === 'QuantizeLinear')
        .map((n) => n.input![0]);
      // uint8 folds the Relu into conv1's quantize step (zero point 0 clamps like Relu).
      expect(quantized.sort()).toEqual(act === 'int8' ? ['c1', 'c2', 'r', 'x'] : ['c2', 'r', 'x']);
      expect(q.graph!.node!.some((n) => n.opType === 'Relu')).toBe(act === 'int8');
      const conv1 = q.graph!.node!.find((n) => n.name === 'conv1')!;
      expect(conv1.input).toEqual([
        'x_DequantizeLinear_Output',
        'w1_DequantizeLinear_Output',
        'b1_DequantizeLinear_Output',
      ]);
      const add = q.graph!.node!.find((n) => n.name === 'add')!;
      expect(add.input).toEqual(['c2_DequantizeLinear_Output', 'r_DequantizeLinear_Output']);
      expect(add.output).toEqual(['y']);
      expect(q.graph!.output!.map((o) => o.name)).toEqual(['y']);
      expect(summary).toMatchObject({
        weightsQuantized: 2,
        biasesQuantized: 2,
        nodesQuantized: 4,
        calibrationCount: 16,
      });
    });

    it('runs in ONNX Runtime within the error the scales allow, and ORT fuses it into QLinearConv', async () => {
      const x = calibration[3]!; // inside the calibrated range
      const yf = await run(floatPath(), x);
      const yq = await run(out(), x);
      // First-order bound: each quantize step adds ≤ 1 LSB (half for rounding, half for integer
      // kernels' own rounding); weight error ≤ s_w/2 per tap; errors pass through Conv with the
      // L1 norm of the weights and through Relu unchanged.
      const w = tinyWeights();
      const sx = scaleOf(q, 'x_DequantizeLinear_Output')[0]!;
      const sw1 = scaleOf(q, 'w1_DequantizeLinear_Output');
      const sw2 = scaleOf(q, 'w2_DequantizeLinear_Output');
      const sr = scaleOf(q, 'r_DequantizeLinear_Output')[0]!;
      const sc2 = scaleOf(q, 'c2_DequantizeLinear_Output')[0]!;
      const sc1 = act === 'int8' ? scaleOf(q, 'c1_DequantizeLinear_Output')[0]! : 0;
      const maxX = Math.max(...x.map(Math.abs));
      const r = conv2dRef(x, w.w1, w.b1, 2, 4, 3).map((v) => Math.max(0, v));
      const maxR = Math.max(...r);
      let eR = 0;
      let eY = 0;
      for (let c = 0; c < 4; c++) {
        const l1 = w.w1.subarray(c * 18, c * 18 + 18).reduce((a, v) => a + Math.abs(v), 0);
        eR = Math.max(eR, l1 * sx + 18 * maxX * (sw1[c]! / 2) + sx * sw1[c]! + sc1 + sr);
      }
      for (let c = 0; c < 4; c++) {
        const l1 = w.w2.subarray(c * 4, c * 4 + 4).reduce((a, v) => a + Math.abs(v), 0);
        eY = Math.max(eY, l1 * eR + 4 * maxR * (sw2[c]! / 2) + sr * sw2[c]! + sc2 + eR);
      }
      let worst = 0;
      for (let i = 0; i < yf.length; i++) worst = Math.max(worst, Math.abs(yf[i]! - yq[i]!));
      // What ORT runs: uint8 fuses both convs into integer kernels. With int8 (TensorRT form) ORT
      // only converts a Q/DQ pair whose Q feeds one DQ, so conv2 (reading r, which has 2 readers) stays float.
      const ops = await optimizedOpCounts(out());
      expect(ops['com.microsoft:QLinearConv']).toBe(act === 'uint8' ? 2 : 1);
      expect(worst).toBeLessThanOrEqual(eY);
      expect(worst).toBeGreaterThan(0); // it really is quantized
      // The reference computation agrees with ORT's float model (guards the bound's premise).
      const yRef = conv2dRef(r, w.w2, w.b2, 4, 4, 1).map((v, i) => v + r[i]!);
      yRef.forEach((v, i) => expect(yf[i]).toBeCloseTo(v, 4));
    });

    it('is deterministic and records how it was calibrated', async () => {
      const again = path.join(dir, `tiny-${act}-again.onnx`);
      await quantizeModel({
        input: floatPath(),
        output: again,
        calibration: source(),
        method: 'minmax',
        activationType: act,
      });
      expect(Buffer.compare(await readFile(again), await readFile(out()))).toBe(0);
      const meta: Record<string, string> = {};
      for (const p of q.metadataProps) meta[p.key ?? ''] = p.value ?? '';
      expect(meta['quantization.method']).toBe('minmax');
      expect(meta['quantization.calibration_count']).toBe('16');
      expect(meta['quantization.activation_type']).toBe(act);
      const { createHash } = await import('node:crypto');
      expect(meta['quantization.source_sha256']).toBe(
        createHash('sha256').update(tinyModel()).digest('hex'),
      );
      expect(meta['quantization.calibration_sha256']).toMatch(/^[0-9a-f]{64}$/);
    });
  },
);

describe('quantizeModel exclusions and errors', () => {
  it('keeps a few-channel stem Conv and its Relu float with floatStem, the rest integer', async () => {
    const out = path.join(dir, 'tiny-stem.onnx');
    const summary = await quantizeModel({
      input: floatPath(),
      output: out,
      calibration: source(),
      method: 'minmax',
      activationType: 'uint8',
      floatStem: true,
    });
    expect(summary.stemNodesFloat).toBe(2);
    const q = await load(out);
    // conv1 reads the 2-channel input and its float weights directly; Relu stays behind it.
    const conv1 = q.graph!.node!.find((n) => n.name === 'conv1')!;
    expect(conv1.input).toEqual(['x', 'w1', 'b1']);
    expect(q.graph!.node!.find((n) => n.name === 'relu')!.input).toEqual(['c1']);
    const quantized = q.graph!.node!.filter((n) => n.opType === 'QuantizeLinear');
    expect(quantized.map((n) => n.input![0]).sort()).toEqual(['c2', 'r']);
    const ops = await optimizedOpCounts(out);
    expect(ops['com.microsoft:QLinearConv']).toBe(1);
    // The float stem is exact, so the output is within the 8-bit error of conv2 and the Add only.
    const x = calibration[3]!;
    const [yf, yq] = [await run(floatPath(), x), await run(out, x)];
    const sc2 = scaleOf(q, 'c2_DequantizeLinear_Output')[0]!;
    const sr = scaleOf(q, 'r_DequantizeLinear_Output')[0]!;
    const w2 = tinyWeights().w2;
    const r = conv2dRef(x, tinyWeights().w1, tinyWeights().b1, 2, 4, 3).map((v) => Math.max(0, v));
    const maxR = Math.max(...r);
    let bound = 0;
    for (let c = 0; c < 4; c++) {
      const l1 = w2.subarray(c * 4, c * 4 + 4).reduce((a, v) => a + Math.abs(v), 0);
      const sw = Math.max(...w2.subarray(c * 4, c * 4 + 4).map(Math.abs)) / 127;
      bound = Math.max(bound, l1 * sr + 4 * maxR * (sw / 2) + sr * sw + sc2 + sr);
    }
    let worst = 0;
    for (let i = 0; i < yf.length; i++) worst = Math.max(worst, Math.abs(yf[i]! - yq[i]!));
    expect(worst).toBeLessThanOrEqual(bound);
  });

  it('leaves excluded op types float and feeds them float tensors', async () => {
    const out = path.join(dir, 'tiny-exclude.onnx');
    await quantizeModel({
      input: floatPath(),
      output: out,
      calibration: source(),
      method: 'minmax',
      activationType: 'int8',
      exclude: { opTypes: ['Add'] },
    });
    const q = await load(out);
    const add = q.graph!.node!.find((n) => n.name === 'add')!;
    expect(add.input).toEqual(['c2', 'r']);
    expect(
      q
        .graph!.node!.filter((n) => n.opType === 'QuantizeLinear')
        .map((n) => n.input![0])
        .sort(),
    ).toEqual(['c1', 'c2', 'r', 'x']);
  });

  it('says clearly when the input is not an ONNX model', async () => {
    const bad = path.join(dir, 'not-a-model.onnx');
    await writeFile(bad, 'this is plain text, not a protobuf');
    await expect(
      quantizeModel({ input: bad, output: path.join(dir, 'x.onnx'), calibration: source() }),
    ).rejects.toThrow(/is not an ONNX model/);
  });

  it('says clearly when the model has nothing to quantize', async () => {
    const plain = path.join(dir, 'plain.onnx');
    await writeFile(plain, noQuantizableModel());
    const cal = tensorCalibrationSource([new ort.Tensor('float32', new Float32Array(4), [1, 4])]);
    await expect(
      quantizeModel({ input: plain, output: path.join(dir, 'p.onnx'), calibration: cal }),
    ).rejects.toThrow(/no quantizable ops/);
  });

  it('rejects a missing file and bad options', async () => {
    await expect(
      quantizeModel({
        input: path.join(dir, 'missing.onnx'),
        output: path.join(dir, 'm.onnx'),
        calibration: source(),
      }),
    ).rejects.toThrow(/cannot read/);
    await expect(
      quantizeModel({
        input: floatPath(),
        output: path.join(dir, 'o.onnx'),
        calibration: source(),
        percentile: 120,
      }),
    ).rejects.toThrow(/invalid quantize options/);
  });

  it('says clearly when ONNX Runtime cannot load the model', async () => {
    const broken = onnx.ModelProto.decode(tinyModel());
    broken.graph!.initializer = broken.graph!.initializer!.filter((t) => t.name !== 'w1'); // Conv without weights
    const file = path.join(dir, 'broken.onnx');
    await writeFile(file, onnx.ModelProto.encode(broken).finish());
    await expect(
      quantizeModel({ input: file, output: path.join(dir, 'b.onnx'), calibration: source() }),
    ).rejects.toThrow(/ONNX Runtime cannot load .*broken\.onnx/);
  });

  it('names the calibration input that does not fit the model', async () => {
    const wrongShape = tensorCalibrationSource([
      new ort.Tensor('float32', new Float32Array(32), [1, 2, 4, 4]),
    ]);
    await expect(
      quantizeModel({
        input: floatPath(),
        output: path.join(dir, 's.onnx'),
        calibration: wrongShape,
      }),
    ).rejects.toThrow(/calibration input #1 .* failed/);
  });

  it('fails clearly when the calibration feeds do not fit the model', async () => {
    const wrong = tensorCalibrationSource([
      { notTheInput: new ort.Tensor('float32', new Float32Array(128), [1, 2, 8, 8]) },
    ]);
    await expect(
      quantizeModel({ input: floatPath(), output: path.join(dir, 'w.onnx'), calibration: wrong }),
    ).rejects.toThrow(/lack model inputs: x/);
  });
});
