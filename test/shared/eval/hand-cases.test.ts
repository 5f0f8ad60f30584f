// Small cases worked out by hand from the COCO evaluation rules (the arithmetic is in the
// comments); each was also run through pycocotools, which gave the same numbers.
import { describe, expect, it } from 'vitest';
import { evaluateBoxes, type EvalGroundTruth } from '../../../shared/src/eval/coco-eval.ts';
import { boxIouMatrix } from '../../../shared/src/eval/iou.ts';
import { DEFAULT_PARAMS } from '../../../shared/src/eval/params.ts';

type Box = [number, number, number, number];
const person = [{ id: 1, name: 'person' }];
const gtAnn = (image_id: number, bbox: Box, extra: { area?: number; iscrowd?: number } = {}) => ({
  image_id,
  category_id: 1,
  bbox,
  area: extra.area ?? bbox[2] * bbox[3],
  iscrowd: extra.iscrowd ?? 0,
});
const det = (image_id: number, bbox: Box, score: number) => ({
  image_id,
  category_id: 1,
  bbox,
  score,
});
const images = (...ids: number[]) => ids.map((id) => ({ id }));

describe('2 images, 3 ground truths, 4 detections', () => {
  // Image 1: A [0,0,100,100], B [200,0,100,100]. Image 2: C [0,0,100,100]. All 100×100 (large).
  const gt: EvalGroundTruth = {
    images: images(1, 2),
    categories: person,
    annotations: [
      gtAnn(1, [0, 0, 100, 100]),
      gtAnn(1, [200, 0, 100, 100]),
      gtAnn(2, [0, 0, 100, 100]),
    ],
  };
  // d1 .9 img1 = A exactly                     IoU(A) = 1       → TP at every threshold
  // d2 .8 img2 [0,0,100,50]                    IoU(C) = 5000/10000 = 0.5 → TP at .50 only
  // d3 .7 img1 [10,0,100,100]                  A already taken, no overlap with B → FP
  // d4 .6 img1 [210,0,100,100]                 IoU(B) = 9000/11000 = .818 → TP at .50–.80
  const dets = [
    det(1, [0, 0, 100, 100], 0.9),
    det(2, [0, 0, 100, 50], 0.8),
    det(1, [10, 0, 100, 100], 0.7),
    det(1, [210, 0, 100, 100], 0.6),
  ];
  const { stats } = evaluateBoxes(gt, dets);
  // 101 recall points 0, .01, …, 1: 34 of them ≤ 1/3, 33 in (1/3, 2/3], 34 in (2/3, 1].
  // IoU .50: TP TP FP TP → recall 1/3 2/3 2/3 1, precision 1 1 2/3 3/4
  //          envelope 1 1 3/4 3/4 → AP = (34·1 + 33·1 + 34·.75) / 101 = 92.5/101
  // IoU .55–.80 (6 thresholds): TP FP FP TP → recall 1/3 1/3 1/3 2/3, precision 1 1/2 1/3 1/2
  //          envelope 1 .5 .5 .5 → AP = (34·1 + 33·.5) / 101 = 50.5/101; nothing past 2/3
  // IoU .85–.95 (3 thresholds): TP FP FP FP → AP = 34/101
  it('AP is the mean over the 10 IoU thresholds of the interpolated precision', () => {
    expect(stats.AP50).toBeCloseTo(92.5 / 101, 12);
    expect(stats.AP75).toBeCloseTo(50.5 / 101, 12);
    expect(stats.AP).toBeCloseTo((92.5 + 6 * 50.5 + 3 * 34) / 1010, 12);
  });
  it('AR is the recall reached, averaged over thresholds; AR1 keeps one detection per image', () => {
    // Recall 1 at .50, 2/3 at .55–.80, 1/3 at .85–.95.
    expect(stats.AR100).toBeCloseTo((1 + 6 * (2 / 3) + 3 * (1 / 3)) / 10, 12);
    expect(stats.AR10).toBeCloseTo(0.6, 12);
    // maxDet 1: d1 (img 1) and d2 (img 2) only → recall 2/3 at .50, 1/3 elsewhere.
    expect(stats.AR1).toBeCloseTo((2 / 3 + 9 * (1 / 3)) / 10, 12);
  });
  it('area ranges: no small or medium ground truth gives -1; large ignores small misses', () => {
    expect([stats.APs, stats.APm, stats.ARs, stats.ARm]).toEqual([-1, -1, -1, -1]);
    // In 'large', d2 (area 5000, medium) is ignored where it is unmatched (IoU ≥ .55):
    // .55–.80: TP (ign) FP TP → precision 1 1 1/2 2/3, envelope 1 1 2/3 2/3 → (34 + 33·2/3)/101
    // .85–.95: TP (ign) FP FP → 34/101;  .50 unchanged (d2 matched C) → 92.5/101
    expect(stats.APl).toBeCloseTo((92.5 + 6 * 56 + 3 * 34) / 1010, 12);
    expect(stats.ARl).toBeCloseTo(0.6, 12);
  });
});

describe('crowd regions', () => {
  it('IoU with a crowd box divides by the detection area, not the union', () => {
    const crowdBox: Box = [200, 0, 200, 200];
    // Det [220,20,50,50] inside: 2500 / 2500 = 1 for crowd, 2500 / 40000 = .0625 otherwise.
    // Det [380,0,40,40] half out: overlap 20×40 = 800 / 1600 = .5 for crowd.
    const ious = boxIouMatrix(
      [
        [220, 20, 50, 50],
        [380, 0, 40, 40],
      ],
      [crowdBox, crowdBox],
      [1, 0],
    );
    expect(Array.from(ious)).toEqual([1, 2500 / 40000, 0.5, 800 / (1600 + 40000 - 800)]);
  });

  it('detections on a crowd are neither TP nor FP, and the crowd is not a miss', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 100, 100]), gtAnn(1, [200, 0, 200, 200], { iscrowd: 1 })],
    };
    // Ranked: two boxes inside the crowd (ignored), the person (TP), one stray box (FP).
    // recall 0 0 1 1, precision 0 0 1 .5 → envelope 1 1 1 .5 → every recall point reads 1.
    // Treating the crowd as an ordinary box would give FP FP TP FP → envelope 1/3 → AP 1/3,
    // and recall 1/2 because the crowd would count as a missed object.
    const { stats } = evaluateBoxes(gt, [
      det(1, [220, 20, 50, 50], 0.95),
      det(1, [300, 100, 50, 50], 0.9),
      det(1, [0, 0, 100, 100], 0.8),
      det(1, [500, 500, 10, 10], 0.6),
    ]);
    expect(stats.AP).toBeCloseTo(1, 12);
    expect(stats.AR100).toBe(1);
  });
});

describe('area ranges use the ground truth "area" field, bounds inclusive', () => {
  it('a 40×40 box whose segment area is 900 is a small object', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 40, 40], { area: 900 })],
    };
    const { stats } = evaluateBoxes(gt, [det(1, [0, 0, 40, 40], 0.9)]);
    // Small: counted and found. Medium: the only GT is out of range, so undefined (-1),
    // even though the detection's own area (1600) is medium.
    expect(stats.APs).toBeCloseTo(1, 12);
    expect(stats.APm).toBe(-1);
    expect(stats.APl).toBe(-1);
  });

  it('area exactly 32² counts as both small and medium', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 32, 32])],
    };
    const { stats } = evaluateBoxes(gt, [det(1, [0, 0, 32, 32], 0.9)]);
    expect(stats.APs).toBeCloseTo(1, 12);
    expect(stats.APm).toBeCloseTo(1, 12);
    expect(stats.ARs).toBe(1);
    expect(stats.ARm).toBe(1);
  });
});

describe('ranking rules', () => {
  const twoImages: EvalGroundTruth = {
    images: images(1, 2),
    categories: person,
    annotations: [gtAnn(2, [0, 0, 100, 100])],
  };
  it('equal scores across images rank in ascending image id, whatever the file order', () => {
    // Both .5: image 1's FP ranks before image 2's TP → precision 0, 1/2 → envelope .5 → AP .5.
    const { stats } = evaluateBoxes(twoImages, [
      det(2, [0, 0, 100, 100], 0.5),
      det(1, [0, 0, 100, 100], 0.5),
    ]);
    expect(stats.AP).toBeCloseTo(0.5, 12);
  });
  it('equal scores within an image keep file order', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 100, 100])],
    };
    const tp = det(1, [0, 0, 100, 100], 0.5);
    const fp = det(1, [300, 300, 100, 100], 0.5);
    // FP first: envelope .5 → AP .5.  TP first: recall 1 at precision 1 → AP 1.
    expect(evaluateBoxes(gt, [fp, tp]).stats.AP).toBeCloseTo(0.5, 12);
    expect(evaluateBoxes(gt, [tp, fp]).stats.AP).toBeCloseTo(1, 12);
  });
  it('only the 100 best detections per image and class are evaluated', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 100, 100])],
    };
    const fps = (n: number) =>
      Array.from({ length: n }, (_, i) => det(1, [1000 + 20 * i, 0, 10, 10], 0.9));
    const tp = det(1, [0, 0, 100, 100], 0.5);
    // 99 FPs + TP: the TP is 100th → recall 1, precision 1/100 at every recall point.
    const kept = evaluateBoxes(gt, [...fps(99), tp]).stats;
    expect(kept.AP).toBeCloseTo(0.01, 12);
    expect(kept.AR100).toBe(1);
    expect(kept.AR10).toBe(0);
    // 100 FPs + TP: the TP is cut → nothing found.
    const cut = evaluateBoxes(gt, [...fps(100), tp]).stats;
    expect(cut.AP).toBe(0);
    expect(cut.AR100).toBe(0);
  });
  it('an IoU of exactly .5 matches at the .5 threshold', () => {
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: [gtAnn(1, [0, 0, 100, 100])],
    };
    const { stats } = evaluateBoxes(gt, [det(1, [0, 0, 100, 50], 0.9)]);
    expect(stats.AP50).toBeCloseTo(1, 12);
    expect(stats.AP75).toBe(0);
  });
});

describe("recall points are numpy's linspace, bit for bit", () => {
  it('thresholds equal numpy.linspace output', () => {
    // numpy 2.4: np.linspace(.5, .95, 10) and the entries of np.linspace(0, 1, 101) ≠ i/100.
    expect(DEFAULT_PARAMS.iouThrs).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ]);
    const odd = DEFAULT_PARAMS.recThrs.flatMap((v, i) => (v === i / 100 ? [] : [[i, v]]));
    expect(odd).toEqual([
      [35, 0.35000000000000003],
      [41, 0.41000000000000003],
      [47, 0.47000000000000003],
      [57, 0.5700000000000001],
      [69, 0.6900000000000001],
      [70, 0.7000000000000001],
      [82, 0.8200000000000001],
      [83, 0.8300000000000001],
      [94, 0.9400000000000001],
      [95, 0.9500000000000001],
    ]);
  });
  it('a recall of exactly 0.7 does not reach the 0.70 point (it is 0.7000000000000001)', () => {
    // 10 objects, 7 found with no false positive: precision 1 up to recall 7/10 = 0.7.
    // Points 0 … .69 read 1 (70 points); .70 lies just above 0.7 → 0. AP = 70/101, not 71/101.
    const gt: EvalGroundTruth = {
      images: images(1),
      categories: person,
      annotations: Array.from({ length: 10 }, (_, i) => gtAnn(1, [200 * i, 0, 100, 100])),
    };
    const dets = Array.from({ length: 7 }, (_, i) => det(1, [200 * i, 0, 100, 100], 0.9 - i / 100));
    expect(evaluateBoxes(gt, dets).stats.AP).toBeCloseTo(70 / 101, 12);
  });
});
