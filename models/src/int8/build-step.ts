// The `int8@4` build step: quantizes the edge model (NanoDet) into two INT8 QDQ files, calibrated
// on real frames through the adapter's own preprocessing:
// - <name>.int8.onnx: uint8 activations, what ONNX Runtime's CPU (VNNI) kernels run fast;
// - <name>.int8-trt.onnx: int8 symmetric activations (zero point 0), what TensorRT builds its
//   explicit INT8 engine from on a Jetson.
// Goes before the measure step, which then scores every artifact on the card.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildStep, BuildStepContext } from '../build/build-models.ts';
import type { Artifact, ModelCard } from '../build/card.ts';
import type { ModelSpec } from '../build/catalog.ts';
import { sha256 } from '../build/stamp.ts';
import { decodeModel, opsetVersion } from '../quantize/onnx-model.ts';
import { optimizedOpCounts, quantizeModel, type QuantizeSummary } from '../quantize/index.ts';
import { calibrationSource, preprocessFor } from './calibration-feeds.ts';
import {
  calibrationIdentity,
  chooseCalibrationPaths,
  expandCalibrationPaths,
  type CalibrationInput,
} from './calibration-inputs.ts';
import { int8StatusSchema, type Int8Settings, type Int8Status } from './settings.ts';
import { DEFAULT_INT8_SETTINGS, int8SettingsSchema } from './settings.ts';

// @2: float RGB stem on the ORT (uint8) file; MaxPool moved before LeakyRelu in both.
// @3: the ORT file's Concat inputs of near-equal scale share the Concat's parameters.
// @4: no Q/DQ pair in front of an op that runs float anyway (the class logits' Sigmoid).
// Measured and dropped (ORT 1.30 CPU, 1 thread): the FPN's bilinear Resize on the uint8 tensor
// (ORT truncates, and took 2.3 ms against 0.6 ms float plus ~0.7 ms of DQ/Q); nearest Resize +
// edge Pad + depthwise QLinearConv (its uint8 nearest Resize alone 3× the float bilinear); the
// float stem's LeakyRelu left before its pool (ORT then pooled uint8 in NCHW: 12 ms).
export const INT8_STEP_ID = 'int8@4';
/** Models quantized: the edge model. CenterNet loses its speed-up to int8/float islands. */
export const INT8_MODELS: readonly string[] = ['nanodet'];

export interface Int8StepOptions {
  /** --calibration paths (video files or folders); else PRETAG_CALIBRATION, else shared media. */
  calibration?: readonly string[];
  settings?: Partial<Int8Settings>;
  env?: NodeJS.ProcessEnv;
  models?: readonly string[];
}

// The ORT file keeps the RGB stem float (ORT's integer Conv is slow on 3 input channels) and
// lets Concats copy rather than requantize (single-threaded in ORT).
const VARIANTS = [
  {
    suffix: 'int8',
    activationType: 'uint8',
    floatStem: true,
    shareConcat: true,
    target: 'ONNX Runtime CPU (VNNI)',
  },
  {
    suffix: 'int8-trt',
    activationType: 'int8',
    floatStem: false,
    shareConcat: false,
    target: 'TensorRT explicit INT8 (Jetson)',
  },
] as const;

export function int8Files(name: string): string[] {
  return VARIANTS.map((v) => `${name}.${v.suffix}.onnx`);
}

interface Resolved {
  origin: string;
  inputs: CalibrationInput[];
  identity: string;
}

export function createInt8Step(opts: Int8StepOptions = {}): BuildStep {
  const settings = int8SettingsSchema.parse({ ...DEFAULT_INT8_SETTINGS, ...opts.settings });
  const models = opts.models ?? INT8_MODELS;
  let resolved: Promise<Resolved | { skip: string }> | undefined;
  // Resolved once per step object: the stamp and the run must agree on the same files.
  const resolve = () =>
    (resolved ??= (async () => {
      const lookup = chooseCalibrationPaths(opts.calibration, opts.env);
      if (!lookup.ok) return { skip: lookup.reason };
      const inputs = expandCalibrationPaths(lookup.paths);
      return { origin: lookup.origin, inputs, identity: await calibrationIdentity(inputs) };
    })());

  return {
    id: INT8_STEP_ID,
    label: 'INT8 quantization',
    async stampInputs(spec: ModelSpec): Promise<Record<string, string>> {
      if (!models.includes(spec.name)) return {};
      const r = await resolve();
      return {
        'int8:calibration': 'skip' in r ? 'none' : r.identity,
        'int8:settings': JSON.stringify(settings),
      };
    },
    async run(ctx) {
      if (!models.includes(ctx.spec.name)) return ctx.card;
      const r = await resolve();
      if ('skip' in r) return withStatus(ctx.card, { status: 'skipped', reason: r.skip });
      return quantizeBoth(ctx, r, settings);
    },
    describe(card) {
      const s = int8StatusSchema.safeParse(card.measurements.int8);
      if (!s.success) return 'not applicable';
      if (s.data.status === 'skipped') return `skipped: ${s.data.reason}`;
      return `${s.data.files.join(', ')} (${s.data.calibration.frames} frames, ${s.data.calibration.method})`;
    },
  };
}

function withStatus(card: ModelCard, status: Int8Status): ModelCard {
  return { ...card, measurements: { ...card.measurements, int8: status } };
}

async function quantizeBoth(
  ctx: BuildStepContext,
  cal: Resolved,
  settings: Int8Settings,
): Promise<ModelCard> {
  const preprocess = preprocessFor(ctx.card);
  const artifacts: Artifact[] = [];
  let summary: QuantizeSummary | undefined;
  for (const v of VARIANTS) {
    const file = `${ctx.spec.name}.${v.suffix}.onnx`;
    const output = path.join(ctx.outDir, file);
    const source = calibrationSource({
      inputs: cal.inputs,
      frames: settings.frames,
      fps: settings.fps,
      preprocess,
      onFrame: (done, total) =>
        ctx.progress.update(
          done / total,
          `${v.activationType}: calibration frame ${done}/${total}`,
        ),
    });
    summary = await quantizeModel({
      input: ctx.fp32Path,
      output,
      calibration: source,
      method: settings.method,
      percentile: settings.percentile,
      activationType: v.activationType,
      floatStem: v.floatStem,
      shareConcat: v.shareConcat,
      exclude: settings.exclude,
    });
    ctx.progress.update(1, `${v.activationType}: written, checking what ONNX Runtime fuses`);
    const bytes = new Uint8Array(await readFile(output));
    const model = decodeModel(bytes, file);
    const ops = await optimizedOpCounts(bytes);
    artifacts.push({
      file,
      precision: 'int8',
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      nodes: (model.graph?.node ?? []).length,
      opset: opsetVersion(model),
      quantization: {
        activationType: v.activationType,
        target: v.target,
        method: summary.method,
        ...(summary.percentile !== undefined && { percentile: summary.percentile }),
        weights: 'int8 per-channel symmetric',
        calibration: {
          origin: cal.origin,
          inputs: cal.inputs.map((i) => (i.kind === 'video' ? i.file : `${i.dir}/`)),
          filesSha256: cal.identity,
          frames: summary.calibrationCount,
          feedsSha256: summary.calibrationSha256,
        },
        nodesQuantized: summary.nodesQuantized,
        nodesExcluded: summary.nodesExcluded,
        qdqPairs: summary.qdqPairs,
        optimizedOps: ops,
      },
    });
  }
  const status: Int8Status = {
    status: 'built',
    files: artifacts.map((a) => a.file),
    calibration: {
      origin: cal.origin,
      frames: summary?.calibrationCount ?? 0,
      method: settings.method,
      filesSha256: cal.identity,
    },
    settings,
  };
  // A rebuild replaces earlier INT8 entries rather than appending duplicates.
  const kept = ctx.card.artifacts.filter((a) => !artifacts.some((n) => n.file === a.file));
  return withStatus({ ...ctx.card, artifacts: [...kept, ...artifacts] }, status);
}
