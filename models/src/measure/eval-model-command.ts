// `pretag models eval --model …`: run a built model (or an ONNX file with an adapter) over the
// ground truth's images in a folder and evaluate it, as the --dets form does for a file.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { loadGroundTruth } from '@pretag/shared/eval/coco-files';
import type { Logger } from '@pretag/shared/log/logger';
import type { CocoStats } from '@pretag/shared/eval/summarize';
import type { ProgressSink } from '../build/progress.ts';
import type { ClassMap } from './class-scope.ts';
import { runModel, scoreRun } from './evaluate-model.ts';
import { resolveModel } from './model-ref.ts';

export interface EvalModelOptions {
  model: string;
  images: string;
  gt: string;
  modelsDir: string;
  adapter?: string;
  classMap: ClassMap;
  classes?: string[];
  score: number;
  out?: string;
}

export interface EvalModelReport {
  model: string;
  file: string;
  providers: readonly string[];
  scoreThreshold: number;
  classMap: ClassMap;
  images: { evaluated: number; missing: number; unreadable: number };
  stats: CocoStats;
  perClassAP50: Record<string, number>;
  /** Ground-truth classes the model has no class for (not scored). */
  notEvaluated: string[];
}

export async function evaluateModelOnFolder(
  opts: EvalModelOptions,
  progress: ProgressSink,
  log: Pick<Logger, 'warn'>,
): Promise<EvalModelReport> {
  const model = resolveModel(opts.model, {
    modelsDir: opts.modelsDir,
    adapter: opts.adapter,
    scoreThreshold: opts.score,
  });
  const gt = await loadGroundTruth(opts.gt);
  const t0 = performance.now();
  let started = false;
  const run = await runModel({
    detector: model.detector,
    imagesDir: opts.images,
    gt,
    classMap: opts.classMap,
    classes: opts.classes,
    logger: log,
    onProgress: (done, total) => {
      if (!started) progress.start(`eval ${model.id}`);
      started = true;
      progress.update(done / total, `${done}/${total} images`);
      if (done === total)
        progress.done(
          `${done}/${total} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
    },
  });
  const { missing, unreadable } = run.images;
  if (missing.length)
    log.warn(
      `${missing.length} ground-truth image(s) not in ${opts.images}, left out: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  for (const u of unreadable) log.warn(`${u.fileName} left out: ${u.error}`);
  if (opts.out) await writeFile(opts.out, `${JSON.stringify(run.results)}\n`);
  const scores = scoreRun(run);
  return {
    model: model.id,
    file: model.file,
    providers: run.providers,
    scoreThreshold: opts.score,
    classMap: opts.classMap,
    images: {
      evaluated: run.images.evaluated,
      missing: missing.length,
      unreadable: unreadable.length,
    },
    stats: scores.stats,
    perClassAP50: scores.perClassAP50,
    notEvaluated: run.scope.notEvaluated.map((n) => n.name),
  };
}
