// The build step that fills a detector card's measurements: VOC100 AP50 and CPU latency per
// artifact, and the execution providers that ran. Without the media it records why not.
import type { BuildStep, BuildStepContext } from '../build/build-models.ts';
import type { ModelCard } from '../build/card.ts';
import { createSession } from '@pretag/shared/detector/session';
import { findVoc100 } from './media.ts';
import { measureModel } from './measure-model.ts';
import { voc100MeasurementSchema, type Voc100Measurement } from './measurement.ts';

/** Part of each model's stamp: bump the version when what is measured changes. */
export const MEASURE_STEP_ID = 'measure-voc100@1';

export interface MeasureStepOptions {
  /** false: record the measurements as skipped (fast builds, e.g. the test setup). */
  enabled?: boolean;
  env?: NodeJS.ProcessEnv;
  latencyRuns?: number;
}

export const DISABLED_REASON =
  'measurement turned off for this build (--no-measure, or the test setup); a plain `pretag models build` measures';

async function providersThatRun(file: string): Promise<string[]> {
  const { session, providersUsed } = await createSession(file, { providers: ['cpu'] });
  await session.release();
  return providersUsed;
}

async function voc100For(
  ctx: BuildStepContext,
  opts: MeasureStepOptions,
): Promise<Voc100Measurement> {
  if (opts.enabled === false)
    return { status: 'skipped', because: 'disabled', reason: DISABLED_REASON };
  const media = findVoc100(opts.env);
  if (!media.ok) return { status: 'skipped', because: 'no-media', reason: media.reason };
  return measureModel(ctx.card, {
    modelsDir: ctx.outDir,
    imagesDir: media.imagesDir,
    gt: media.gt,
    latencyRuns: opts.latencyRuns,
    onProgress: (file, done, total) =>
      ctx.progress.update(done / total, `${file} ${done}/${total} images`),
  });
}

export function createMeasureStep(opts: MeasureStepOptions = {}): BuildStep {
  return {
    id: MEASURE_STEP_ID,
    label: 'measure (VOC100 AP50, CPU latency)',
    async run(ctx): Promise<ModelCard> {
      const providers = await providersThatRun(ctx.fp32Path);
      // Only COCO object detectors can be scored on VOC boxes.
      if (ctx.card.task !== 'object-detection') return { ...ctx.card, providers };
      const voc100 = await voc100For(ctx, opts);
      return { ...ctx.card, providers, measurements: { ...ctx.card.measurements, voc100 } };
    },
  };
}

/**
 * Whether a card's measurements were skipped for a reason that no longer holds, so that a
 * measuring build should redo the model even though its inputs are unchanged.
 */
export function measurementOutdated(
  measurements: Record<string, unknown>,
  mediaAvailable: boolean,
): boolean {
  const v = voc100MeasurementSchema.safeParse(measurements.voc100);
  if (!v.success || v.data.status !== 'skipped') return false;
  return v.data.because === 'disabled' || mediaAvailable;
}
