// The evaluator against the official pycocotools numbers published with the test media.
import { describe, expect, it } from 'vitest';
import { evaluateBoxes } from '../../../shared/src/eval/coco-eval.ts';
import { loadDetections, loadGroundTruth } from '../../../shared/src/eval/coco-files.ts';
import { resolveClassNames } from '../../../shared/src/eval/category-map.ts';
import { STAT_KEYS } from '../../../shared/src/eval/summarize.ts';
import { needMedia } from '../../helpers/media.ts';

const coco = needMedia(
  'coco/coco2014-val-sample/ground-truth.json',
  'coco/coco2014-val-sample/detections.json',
);

describe.skipIf(!coco.ok)('coco2014-val-sample (official pycocotools numbers)', () => {
  // From ../shared/media/README.md: what pycocotools' COCOeval prints for these two files.
  const official = {
    AP: 0.503647,
    AP50: 0.696973,
    AP75: 0.571667,
    APs: 0.593252,
    APm: 0.557991,
    APl: 0.489363,
    AR1: 0.386813,
    AR10: 0.59368,
    AR100: 0.595353,
    ARs: 0.654764,
    ARm: 0.60313,
    ARl: 0.553744,
  };

  it('reproduces all 12 stats to 1e-4', async () => {
    const [gtFile = '', detFile = ''] = coco.paths;
    const gt = await loadGroundTruth(gtFile);
    const { detections, warnings } = await loadDetections(detFile, gt);
    expect(warnings).toEqual([]);
    const { stats } = evaluateBoxes(gt, detections);
    for (const key of STAT_KEYS) {
      expect(Math.abs(stats[key] - official[key]), key).toBeLessThan(1e-4);
    }
  });

  it('per-class AP averages to the overall AP', async () => {
    const [gtFile = '', detFile = ''] = coco.paths;
    const gt = await loadGroundTruth(gtFile);
    const { detections } = await loadDetections(detFile, gt);
    const ev = evaluateBoxes(gt, detections);
    const defined = ev.perCategory.filter((c) => c.AP > -1);
    // COCO AP is the mean over classes that have ground truth.
    expect(defined.length).toBe(ev.perCategory.filter((c) => c.numGt > 0).length);
    const mean = defined.reduce((s, c) => s + c.AP, 0) / defined.length;
    expect(Math.abs(mean - official.AP)).toBeLessThan(1e-4);
    // Every non-crowd box of the file is counted once.
    const notCrowd = gt.annotations.filter((a) => !a.iscrowd).length;
    expect(ev.perCategory.reduce((s, c) => s + c.numGt, 0)).toBe(notCrowd);
  });
});

const voc = needMedia(
  'images/voc100/gt_coco_instances_default.json',
  'images/voc100/gt_coco_instances_v2.json',
  'images/voc100/dets_coco_format.json',
);

describe.skipIf(!voc.ok)('voc100 sample detections (no reference numbers: sanity)', () => {
  it('evaluates a scored dataset with its own ids against VOC ground truth', async () => {
    const [gtFile = '', , detFile = ''] = voc.paths;
    const gt = await loadGroundTruth(gtFile);
    const { detections, warnings } = await loadDetections(detFile, gt);
    expect(warnings).toEqual([]);
    // The file holds 452 scored boxes, all of VOC classes.
    expect(detections).toHaveLength(452);
    const { stats } = evaluateBoxes(gt, detections);
    for (const key of STAT_KEYS) expect(stats[key], key).toBeLessThanOrEqual(1);
    expect(stats.AP50).toBeGreaterThan(0);
    expect(stats.AP50).toBeGreaterThanOrEqual(stats.AP);
    expect(stats.AP).toBeGreaterThanOrEqual(0);
    expect(stats.AR100).toBeGreaterThanOrEqual(stats.AR10);
    expect(stats.AR10).toBeGreaterThanOrEqual(stats.AR1);
  });

  it('the two id styles of the same labels give the same numbers', async () => {
    const [gtA = '', gtB = '', detFile = ''] = voc.paths;
    const run = async (file: string) => {
      const gt = await loadGroundTruth(file);
      const { detections } = await loadDetections(detFile, gt);
      const catIds = resolveClassNames(['person', 'car', 'motorcycle'], gt.categories);
      return [evaluateBoxes(gt, detections).stats, evaluateBoxes(gt, detections, { catIds }).stats];
    };
    const [[allA, someA] = [], [allB, someB] = []] = await Promise.all([run(gtA), run(gtB)]);
    // Category order differs between the files, so sums differ in the last bits only.
    for (const key of STAT_KEYS) {
      expect(allB?.[key], key).toBeCloseTo(allA?.[key] ?? NaN, 12);
      expect(someB?.[key], key).toBeCloseTo(someA?.[key] ?? NaN, 12);
    }
    // Restricting classes changes the average.
    expect(Math.abs((someA?.AP ?? 0) - (allA?.AP ?? 0))).toBeGreaterThan(0.01);
  });
});
