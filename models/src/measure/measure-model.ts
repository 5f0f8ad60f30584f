// VOC100 AP50 (key classes, their mean, all mappable classes) and CPU latency for every
// artifact of a built model (FP32, and INT8 once a build step adds it).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveClassNames } from '@pretag/shared/eval/category-map';
import { loadGroundTruth } from '@pretag/shared/eval/coco-files';
import type { CocoGroundTruth } from '@pretag/shared/eval/coco-schema';
import type { ModelCard } from '../build/card.ts';
import type { ClassMap } from './class-scope.ts';
import { runModel, scoreRun } from './evaluate-model.ts';
import { measureLatency } from './latency.ts';
import { KEY_CLASSES, type ArtifactMeasurement, type Voc100Measurement } from './measurement.ts';
import { detectorConfigFromCard } from './model-ref.ts';

export interface MeasureOptions {
  /** Folder holding the card's artifacts. */
  modelsDir: string;
  imagesDir: string;
  /** COCO ground-truth file, or its parsed content. */
  gt: string | CocoGroundTruth;
  classMap?: ClassMap;
  /** Recorded in the result (default voc100). */
  datasetName?: string;
  /** Classes reported one by one and averaged as `keyClasses` (default person and vehicles). */
  classes?: readonly string[];
  scoreThreshold?: number;
  latencyRuns?: number;
  /** Called per image, per artifact. */
  onProgress?: (label: string, done: number, total: number) => void;
}

const round4 = (v: number) => (v < 0 ? v : Math.round(v * 1e4) / 1e4);
const roundAll = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round4(v)]));

export async function measureModel(
  card: ModelCard,
  opts: MeasureOptions,
): Promise<Extract<Voc100Measurement, { status: 'measured' }>> {
  const gt = typeof opts.gt === 'string' ? await loadGroundTruth(opts.gt) : opts.gt;
  const classMap = opts.classMap ?? 'voc';
  const keyClasses = opts.classes ?? KEY_CLASSES;
  const scoreThreshold = opts.scoreThreshold ?? 0.05;
  const keyIds = resolveClassNames(keyClasses, gt.categories);
  const results: ArtifactMeasurement[] = [];
  let evaluated = { images: 0, boxes: 0 };
  // The latency image: the first ground-truth image by file name, the same for every model.
  const fixed = [...gt.images]
    .map((i) => i.file_name ?? '')
    .filter(Boolean)
    .sort()[0];
  for (const artifact of card.artifacts) {
    const file = path.join(opts.modelsDir, artifact.file);
    const detector = detectorConfigFromCard(card, file, scoreThreshold);
    const run = await runModel({
      detector,
      imagesDir: opts.imagesDir,
      gt,
      classMap,
      onProgress: (d, t) => opts.onProgress?.(artifact.file, d, t),
    });
    evaluated = { images: run.gt.images.length, boxes: run.gt.annotations.length };
    const all = scoreRun(run);
    const key = scoreRun(run, keyIds);
    const apById = new Map(
      run.gt.categories.map((c) => [c.id, all.perClassAP50[c.name] ?? key.perClassAP50[c.name]]),
    );
    const latencyImage = fixed ?? run.gt.images[0]?.file_name ?? '';
    const latency = await measureLatency(
      detector,
      {
        name: latencyImage,
        bytes: await readFile(path.join(opts.imagesDir, path.basename(latencyImage))),
      },
      { runs: opts.latencyRuns },
    );
    results.push({
      file: artifact.file,
      precision: artifact.precision,
      ap50: {
        ...Object.fromEntries(
          keyClasses.map((name, i) => [name, round4(apById.get(keyIds[i] ?? -1) ?? -1)]),
        ),
        keyClasses: round4(key.stats.AP50),
        allMapped: round4(all.stats.AP50),
      },
      perClassAP50: roundAll(all.perClassAP50),
      stats: roundAll({ ...all.stats }),
      latency,
    });
  }
  return {
    status: 'measured',
    dataset: { name: opts.datasetName ?? 'voc100', ...evaluated, classMap },
    scoreThreshold,
    results,
  };
}
