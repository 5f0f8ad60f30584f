// `pretag models eval`: COCO bbox evaluation of a detections file against a ground truth.
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { createLogger } from '@pretag/shared/log/logger';
import { resolveClassNames } from '@pretag/shared/eval/category-map';
import { evaluateBoxes } from '@pretag/shared/eval/coco-eval';
import { loadDetections, loadGroundTruth } from '@pretag/shared/eval/coco-files';
import { EvalInputError } from '@pretag/shared/eval/errors';
import type { CocoStats } from '@pretag/shared/eval/summarize';

export interface EvalCommandOptions {
  gt: string;
  dets: string;
  classes?: string[];
}

/** The 12 COCO stats for two files; bad input is an EvalInputError. */
export async function evaluateFiles(opts: EvalCommandOptions): Promise<{
  stats: CocoStats;
  warnings: string[];
}> {
  const gt = await loadGroundTruth(opts.gt);
  const { detections, warnings } = await loadDetections(opts.dets, gt);
  const catIds = opts.classes ? resolveClassNames(opts.classes, gt.categories) : undefined;
  return { stats: evaluateBoxes(gt, detections, { catIds }).stats, warnings };
}

function parseClassList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new CliError('--classes needs at least one class name');
  return names;
}

export function registerEvalCommand(models: Command): void {
  models
    .command('eval')
    .description(
      'COCO bbox evaluation, as pycocotools: prints the 12 stats (AP, AP50, … ARl) as JSON, -1 where undefined',
    )
    .requiredOption('--gt <file>', 'ground truth, COCO instances JSON')
    .requiredOption(
      '--dets <file>',
      'detections: a COCO results list [{image_id, category_id, bbox, score}], or a COCO dataset with scored annotations (matched by file and class name)',
    )
    .option(
      '--classes <names>',
      'evaluate only these classes, comma-separated (VOC or COCO names)',
      parseClassList,
    )
    .action(async (opts: EvalCommandOptions) => {
      try {
        const { stats, warnings } = await evaluateFiles(opts);
        const log = createLogger({ name: 'models-eval' });
        for (const w of warnings) log.warn(w);
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      } catch (err) {
        if (err instanceof EvalInputError) throw new CliError(err.message);
        throw err;
      }
    });
}
