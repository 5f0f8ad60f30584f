// `pretag models eval`: COCO bbox evaluation of a detections file against a ground truth, or of
// a model run over a folder of images first.
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { createLogger } from '@pretag/shared/log/logger';
import { resolveClassNames } from '@pretag/shared/eval/category-map';
import { evaluateBoxes } from '@pretag/shared/eval/coco-eval';
import { loadDetections, loadGroundTruth } from '@pretag/shared/eval/coco-files';
import { EvalInputError } from '@pretag/shared/eval/errors';
import type { CocoStats } from '@pretag/shared/eval/summarize';
import { defaultModelsDir } from './build/paths.ts';
import { createProgress } from './build/progress.ts';
import type { ClassMap } from './measure/class-scope.ts';
import { EvalModelError } from './measure/errors.ts';
import { evaluateModelOnFolder } from './measure/eval-model-command.ts';

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

function parseScore(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new CliError(`--score must be a number from 0 to 1, got "${value}"`);
  return v;
}

function parseClassMap(value: string): ClassMap {
  if (value !== 'voc' && value !== 'none')
    throw new CliError(`--class-map must be voc or none, got "${value}"`);
  return value;
}

interface EvalFlags {
  gt: string;
  dets?: string;
  model?: string;
  images?: string;
  adapter?: string;
  modelsDir?: string;
  classMap: ClassMap;
  classes?: string[];
  score: number;
  out?: string;
}

async function runEval(opts: EvalFlags): Promise<void> {
  const log = createLogger({ name: 'models-eval' });
  if (opts.dets !== undefined) {
    if (opts.model !== undefined) throw new CliError('give either --dets or --model, not both');
    const { stats, warnings } = await evaluateFiles({ ...opts, dets: opts.dets });
    for (const w of warnings) log.warn(w);
    process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    return;
  }
  if (opts.model === undefined)
    throw new CliError(
      "required option '--dets <file>' not specified (or run a model: --model NAME|FILE.onnx --images DIR)",
    );
  if (opts.images === undefined)
    throw new CliError('--model needs --images DIR (the folder holding the ground truth’s images)');
  const report = await evaluateModelOnFolder(
    {
      ...opts,
      model: opts.model,
      images: opts.images,
      modelsDir: opts.modelsDir ?? defaultModelsDir(),
    },
    createProgress(process.stderr),
    log,
  );
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

export function registerEvalCommand(models: Command): void {
  models
    .command('eval')
    .description(
      'COCO bbox evaluation, as pycocotools: prints the 12 stats (AP, AP50, … ARl) as JSON, -1 where undefined. ' +
        'With --model it first runs the model over the ground truth’s images and adds per-class AP50.',
    )
    .requiredOption('--gt <file>', 'ground truth, COCO instances JSON')
    .option(
      '--dets <file>',
      'detections: a COCO results list [{image_id, category_id, bbox, score}], or a COCO dataset with scored annotations (matched by file and class name)',
    )
    .option(
      '--model <name|file.onnx>',
      'a built model (see models/build, `pretag models build`) or an ONNX file with --adapter',
    )
    .option(
      '--images <dir>',
      'with --model: folder holding the ground truth’s images (matched by file name)',
    )
    .option(
      '--adapter <name>',
      'with an ONNX file that has no card: nanodet, centernet, yolo, torchvision-fasterrcnn',
    )
    .option(
      '--models-dir <dir>',
      'where built models are (default: models/build, or $PRETAG_MODELS_DIR)',
    )
    .option(
      '--class-map <map>',
      'with --model: voc reads VOC class names (motorbike, sofa, …) as COCO ones; none compares names as they are',
      parseClassMap,
      'none',
    )
    .option(
      '--classes <names>',
      'evaluate only these classes, comma-separated (VOC or COCO names)',
      parseClassList,
    )
    .option('--score <min>', 'with --model: lowest score kept (low for mAP)', parseScore, 0.05)
    .option('--out <file>', 'with --model: also write the detections as a COCO results list')
    .action(async (opts: EvalFlags) => {
      try {
        await runEval(opts);
      } catch (err) {
        if (err instanceof EvalInputError || err instanceof EvalModelError)
          throw new CliError(err.message);
        throw err;
      }
    });
}
