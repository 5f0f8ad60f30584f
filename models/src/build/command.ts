// CLI wiring for `pretag models build`.
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { buildModels, megabytes, type BuildStep } from './build-models.ts';
import { MODEL_CATALOG } from './catalog.ts';
import { defaultModelsDir } from './paths.ts';
import { createProgress } from './progress.ts';

/** Steps appended after conversion (INT8, measurements); the lead wires them in here. */
export const EXTRA_BUILD_STEPS: BuildStep[] = [];

interface BuildFlags {
  out?: string;
  only?: string[];
  force?: boolean;
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
    .action(async (flags: BuildFlags) => {
      const outDir = flags.out ?? defaultModelsDir();
      let results;
      try {
        results = await buildModels({
          outDir,
          only: flags.only,
          force: flags.force,
          progress: createProgress(process.stderr),
          steps: EXTRA_BUILD_STEPS,
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
