// A model's COCO evaluation on a folder of images with a ground truth: run once, then score
// any set of classes from the same detections.
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { DetectorConfigInput } from '@pretag/shared/detector/config';
import type { Logger } from '@pretag/shared/log/logger';
import { evaluateBoxes, type EvalDetection } from '@pretag/shared/eval/coco-eval';
import type { CocoGroundTruth } from '@pretag/shared/eval/coco-schema';
import { detectionsToResults } from '@pretag/shared/eval/detections-align';
import type { CocoStats } from '@pretag/shared/eval/summarize';
import { scopeClasses, type ClassMap, type ClassScope } from './class-scope.ts';
import { groundTruthFor, runOnImages, type ImageRun } from './run-images.ts';

export interface ModelRun {
  /** Ground truth restricted to the images that ran. */
  gt: CocoGroundTruth;
  scope: ClassScope;
  /** COCO results with the ground truth's ids (what --out writes). */
  results: EvalDetection[];
  images: { evaluated: number; missing: string[]; unreadable: ImageRun['unreadable'] };
  providers: readonly string[];
  modelClasses: readonly string[];
}

export interface RunModelOptions {
  detector: DetectorConfigInput;
  imagesDir: string;
  gt: CocoGroundTruth;
  classMap: ClassMap;
  classes?: readonly string[];
  onProgress?: (done: number, total: number) => void;
  logger?: Pick<Logger, 'warn'>;
}

export async function runModel(opts: RunModelOptions): Promise<ModelRun> {
  const detector = await createDetector(opts.detector, { logger: opts.logger });
  try {
    // Checked before the slow part, so a class mistake fails at once.
    const scope = scopeClasses(opts.gt.categories, detector.info.classes, {
      classMap: opts.classMap,
      classes: opts.classes,
    });
    const run = await runOnImages(detector, opts.gt, opts.imagesDir, opts.onProgress);
    const gt = groundTruthFor(
      opts.gt,
      run.perImage.map((p) => p.imageId),
    );
    // Only the evaluated classes' ids are offered, so no-map mode cannot match VOC names.
    const categories = gt.categories.filter((c) => scope.catIds.includes(c.id));
    const { detections } = detectionsToResults(run.perImage, categories);
    return {
      gt,
      scope,
      results: detections,
      images: { evaluated: run.perImage.length, missing: run.missing, unreadable: run.unreadable },
      providers: detector.info.providersUsed,
      modelClasses: detector.info.classes,
    };
  } finally {
    await detector.close();
  }
}

export interface ClassScores {
  stats: CocoStats;
  /** AP at IoU 0.5 per evaluated class (ground-truth name); -1 where the class has no ground truth. */
  perClassAP50: Record<string, number>;
}

/** The 12 stats and per-class AP50 over `catIds` (default: the run's scope). */
export function scoreRun(run: ModelRun, catIds: readonly number[] = run.scope.catIds): ClassScores {
  const ev = evaluateBoxes(run.gt, run.results, { catIds });
  return {
    stats: ev.stats,
    perClassAP50: Object.fromEntries(ev.perCategory.map((c) => [c.name, c.AP50])),
  };
}
