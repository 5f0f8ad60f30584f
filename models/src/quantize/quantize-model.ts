// Static INT8 QDQ quantization of a float ONNX model, calibrated on real frames.
// Weights: int8, symmetric, per output channel; biases int32 at input × weight scale.
// Activations: uint8 asymmetric by default. AVX-512 VNNI's VPDPBUSD multiplies unsigned by signed
// bytes, so ORT's x86 kernels are u8 activations × s8 weights; ORT only rewrites int8 activation
// Q/DQ pairs to uint8 when the Q feeds exactly one DQ, so int8 leaves every multi-reader tensor's
// consumers float (measured: NanoDet 15 of 34 Convs fused, slower than FP32). uint8 also lets a
// Relu/Clip(0, ·) fold into the preceding Q. TensorRT needs int8 with zero point 0: build that
// variant with `activationType: 'int8'` from the same float model.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { calibrate } from './calibrate.ts';
import type { CalibrationSource } from './calibration-source.ts';
import { canonicalize } from './canonicalize.ts';
import { shareConcatParams } from './concat-share.ts';
import { decodeModel, encodeModel, onnx, opsetVersion, toNum } from './onnx-model.ts';
import type { ExcludeSpec } from './plan.ts';
import { planQuantization } from './plan.ts';
import { preOptimize } from './preoptimize.ts';
import { rewriteQdq } from './qdq-rewrite.ts';
import type { ActivationType, CalibrationMethod, QParams } from './ranges.ts';
import { activationQParams } from './ranges.ts';

export interface QuantizeOptions {
  input: string;
  output: string;
  calibration: CalibrationSource;
  /**
   * Default `minmax`. `percentile` clips the rarest activations; on these detectors that hurts
   * (their salient values are the rare large ones), but it is there for models with outliers.
   */
  method?: CalibrationMethod;
  /** For `percentile`: share of values kept; default 99.99. */
  percentile?: number;
  /** `uint8` (default, ORT CPU) or `int8` (symmetric, zero point 0: TensorRT's explicit INT8). */
  activationType?: ActivationType;
  exclude?: ExcludeSpec;
  /** Run ORT's standard-ONNX (level 1) optimisations first; default true. */
  preOptimize?: boolean;
  /**
   * Keep an RGB stem Conv (and the activation/pool after it) float; default false. ORT's CPU
   * kernels run a 3-channel stem faster in float (NanoDet: a quarter of its INT8 time).
   */
  floatStem?: boolean;
  /**
   * Quantize a Concat input with the Concat's own parameters when its scale is nearly the same
   * (see concat-share.ts); default false. For ORT's QLinearConcat, which then copies it.
   */
  shareConcat?: boolean;
}

export interface QuantizeSummary {
  output: string;
  method: CalibrationMethod;
  percentile?: number;
  activationType: ActivationType;
  calibrationCount: number;
  calibrationSha256: string;
  sourceSha256: string;
  /** Nodes in the (pre-optimised) float graph, and how many run on quantized inputs. */
  nodesTotal: number;
  nodesQuantized: number;
  /** ReduceMean(H, W) nodes rewritten as the equivalent GlobalAveragePool (integer kernel). */
  reduceMeanToPool: number;
  /** MaxPools moved in front of the LeakyRelu that fed them (same result, a quarter the work). */
  poolBeforeActivation: number;
  /** Nodes of the RGB stem kept float (part of `nodesExcluded`). */
  stemNodesFloat: number;
  /** Concat inputs quantized with their Concat's parameters (ORT then copies them). */
  concatInputsShared: number;
  /** Nodes kept float: the caller's exclusions plus post-processing computed from graph outputs. */
  nodesExcluded: number;
  tensorsCalibrated: number;
  qdqPairs: number;
  weightsQuantized: number;
  biasesQuantized: number;
  constantsQuantized: number;
  activationsFolded: number;
  inputBytes: number;
  outputBytes: number;
}

const optionsSchema = z.object({
  input: z.string().min(1),
  output: z.string().min(1),
  method: z.enum(['minmax', 'percentile']).default('minmax'),
  percentile: z.number().gt(0).lte(100).default(99.99),
  activationType: z.enum(['int8', 'uint8']).default('uint8'),
  preOptimize: z.boolean().default(true),
  floatStem: z.boolean().default(false),
  shareConcat: z.boolean().default(false),
  exclude: z
    .object({
      nodes: z.array(z.string()).optional(),
      opTypes: z.array(z.string()).optional(),
      tensors: z.array(z.string()).optional(),
    })
    .default({}),
});

export class QuantizeError extends Error {
  override name = 'QuantizeError';
}

export async function quantizeModel(options: QuantizeOptions): Promise<QuantizeSummary> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new QuantizeError(`invalid quantize options: ${z.prettifyError(parsed.error)}`);
  const opts = parsed.data;
  if (typeof options.calibration?.feeds !== 'function') {
    throw new QuantizeError('a calibration source (video, image folder or tensors) is required');
  }

  let source: Uint8Array;
  try {
    source = new Uint8Array(await readFile(opts.input));
  } catch (err) {
    throw new QuantizeError(`cannot read ${opts.input}: ${(err as Error).message}`);
  }
  const sourceSha256 = createHash('sha256').update(source).digest('hex');
  const original = decodeModel(source, opts.input);
  const opset = opsetVersion(original);
  if (opset < 13)
    throw new QuantizeError(`${opts.input} uses opset ${opset}; per-channel QDQ needs opset ≥ 13`);
  let model = original;
  if (opts.preOptimize) {
    try {
      model = decodeModel(await preOptimize(source), `${opts.input} (optimised)`);
    } catch (err) {
      throw new QuantizeError(`ONNX Runtime cannot load ${opts.input}: ${(err as Error).message}`);
    }
  }

  const canonical = canonicalize(model.graph!);
  model.graph = new onnx.GraphProto(canonical.graph);
  const floatStem = opts.floatStem;
  const plan = planQuantization(model.graph, {
    activationType: opts.activationType,
    exclude: opts.exclude,
    floatStem,
  });
  const cal = await calibrate(model, plan.calibrate, options.calibration, opts.method !== 'minmax');
  const qparams = new Map<string, QParams>();
  for (const [name, collector] of cal.collectors) {
    // Head logits get a symmetric range even in uint8: calibration frames with few confident
    // objects under-estimate the positive tail, and clipping it caps the best scores.
    const symmetric = opts.activationType === 'int8' || plan.head.has(name);
    const r = collector.range(opts.method, opts.percentile, symmetric);
    const m = Math.max(-r.min, r.max);
    const range = symmetric ? { min: -m, max: m } : r;
    qparams.set(name, activationQParams(range, opts.activationType));
  }

  const concatShared = opts.shareConcat ? shareConcatParams(model.graph, plan, qparams) : [];
  const { model: quantized, stats } = rewriteQdq(model, plan, qparams);
  const meta: Record<string, string> = {
    'quantization.format': 'QDQ',
    'quantization.method': opts.method,
    ...(opts.method === 'percentile' ? { 'quantization.percentile': String(opts.percentile) } : {}),
    'quantization.activation_type': opts.activationType,
    'quantization.weight_type': 'int8 per-channel symmetric',
    'quantization.float_stem': String(floatStem),
    'quantization.calibration_count': String(cal.count),
    'quantization.calibration_sha256': cal.sha256,
    'quantization.source_sha256': sourceSha256,
  };
  const kept = (original.metadataProps ?? []).filter(
    (p) => !(p.key ?? '').startsWith('quantization.'),
  );
  quantized.metadataProps = [
    ...kept,
    ...Object.entries(meta).map(([key, value]) => ({ key, value })),
  ];
  quantized.irVersion = Math.max(7, toNum(model.irVersion));

  const bytes = encodeModel(quantized);
  const tmp = `${opts.output}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, opts.output);

  return {
    output: opts.output,
    method: opts.method,
    ...(opts.method === 'percentile' ? { percentile: opts.percentile } : {}),
    activationType: opts.activationType,
    calibrationCount: cal.count,
    calibrationSha256: cal.sha256,
    sourceSha256,
    nodesTotal: (model.graph.node ?? []).length,
    reduceMeanToPool: canonical.reduceMeanToPool.length,
    poolBeforeActivation: canonical.poolBeforeActivation.length,
    stemNodesFloat: plan.stem.size,
    concatInputsShared: concatShared.length,
    nodesQuantized: plan.participants.size,
    nodesExcluded: plan.excluded.size,
    tensorsCalibrated: plan.calibrate.length,
    qdqPairs: stats.qdqPairs,
    weightsQuantized: stats.weights,
    biasesQuantized: stats.biases,
    constantsQuantized: stats.constants,
    activationsFolded: stats.foldedActivations,
    inputBytes: source.length,
    outputBytes: bytes.length,
  };
}
