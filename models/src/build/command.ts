// CLI wiring for `pretag models build`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { createMeasureStep, MEASURE_STEP_ID, measurementOutdated } from '../measure/build-step.ts';
import { findVoc100 } from '../measure/media.ts';
import { createInt8Step, INT8_STEP_ID } from '../int8/build-step.ts';
import { createInt8DeltaStep } from '../int8/delta-step.ts';
import {
  buildModels,
  megabytes,
  selectModels,
  type BuildResult,
  type BuildStep,
} from './build-models.ts';
import { modelCardSchema } from './card.ts';
import { MODEL_CATALOG } from './catalog.ts';
import { defaultModelsDir } from './paths.ts';
import { createProgress, type ProgressSink } from './progress.ts';

/**
 * Steps appended after conversion; the lead wires more in here. A step that adds artifacts
 * (INT8) goes before the measure step, which measures every artifact on the card.
 */
export const EXTRA_BUILD_STEPS: BuildStep[] = [
  createInt8Step(),
  createMeasureStep(),
  createInt8DeltaStep(),
];

export interface PackagedBuildOptions {
  outDir?: string;
  only?: readonly string[];
  force?: boolean;
  progress?: ProgressSink;
  /**
   * false: record measurements as skipped (fast; the test setup). The step id stays the same,
   * so such a build counts as up to date, and a later measuring build redoes those models.
   */
  measure?: boolean;
  /** INT8 calibration videos or folders (else PRETAG_CALIBRATION, else the shared media). */
  calibration?: readonly string[];
}

/** Names of models whose card says measurements were skipped for a reason that is gone. */
function needsMeasuring(outDir: string, names: readonly string[]): string[] {
  const media = findVoc100().ok;
  return names.filter((name) => {
    const file = path.join(outDir, `${name}.card.json`);
    if (!existsSync(file)) return false;
    try {
      const card = modelCardSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      return card.success && measurementOutdated(card.data.measurements, media);
    } catch {
      return false; // unreadable card: the stamp check rebuilds it anyway
    }
  });
}

/** `pretag models build` as a function: the catalog models with the extra steps. */
export async function buildPackagedModels(opts: PackagedBuildOptions = {}): Promise<BuildResult[]> {
  const outDir = opts.outDir ?? defaultModelsDir();
  const measure = opts.measure ?? true;
  const steps = EXTRA_BUILD_STEPS.map((s) => {
    if (!measure && s.id === MEASURE_STEP_ID) return createMeasureStep({ enabled: false });
    if (opts.calibration?.length && s.id === INT8_STEP_ID)
      return createInt8Step({ calibration: opts.calibration });
    return s;
  });
  const names = selectModels(MODEL_CATALOG, opts.only).map((m) => m.name);
  const redo = measure && !opts.force ? needsMeasuring(outDir, names) : [];
  const base = { outDir, progress: opts.progress, steps };
  const results: BuildResult[] = [];
  if (redo.length) results.push(...(await buildModels({ ...base, only: redo, force: true })));
  const rest = names.filter((n) => !redo.includes(n));
  if (rest.length) results.push(...(await buildModels({ ...base, only: rest, force: opts.force })));
  return names.flatMap((n) => results.filter((r) => r.name === n));
}

interface BuildFlags {
  out?: string;
  only?: string[];
  force?: boolean;
  measure?: boolean;
  calibration?: string[];
}

export function registerBuildCommand(models: Command): void {
  models
    .command('build')
    .description(
      `Convert the packaged detectors (${MODEL_CATALOG.map((m) => m.name).join(', ')}) to ONNX and write model cards.`,
    )
    .option('--out <dir>', 'output directory (default: models/build, or $PRETAG_MODELS_DIR)')
    .option('--only <name...>', 'build only these models')
    .option('--force', 'rebuild even when the inputs are unchanged')
    .option('--no-measure', 'skip the VOC100 AP50 and latency measurements (faster)')
    .option(
      '--calibration <path...>',
      'INT8 calibration frames: video files or folders of videos/images from your cameras (default: $PRETAG_CALIBRATION, else ../shared/media/video)',
    )
    .action(async (flags: BuildFlags) => {
      const outDir = flags.out ?? defaultModelsDir();
      let results;
      try {
        results = await buildPackagedModels({
          outDir,
          only: flags.only,
          force: flags.force,
          measure: flags.measure,
          calibration: flags.calibration,
          progress: createProgress(process.stderr),
        });
      } catch (err) {
        throw new CliError(`models build: ${(err as Error).message}`);
      }
      const count = (status: string) => results.filter((r) => r.status === status).length;
      const total = results.reduce(
        (a, r) => a + ('card' in r ? (r.card.artifacts[0]?.bytes ?? 0) : 0),
        0,
      );
      console.log(
        `${count('built')} built, ${count('up-to-date')} up to date, ${megabytes(total)} in ${outDir}`,
      );
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length)
        throw new CliError(
          `models build: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`,
        );
    });
}
