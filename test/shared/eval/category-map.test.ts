// Evaluating a COCO-named model against VOC-named ground truth, and precision/recall at a
// deployment score threshold.
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../shared/src/detection/types.ts';
import { resolveClassNames, cocoSpelling } from '../../../shared/src/eval/category-map.ts';
import { evaluateBoxes, type EvalGroundTruth } from '../../../shared/src/eval/coco-eval.ts';
import {
  detectionsToResults,
  imageIdsByFileName,
} from '../../../shared/src/eval/detections-align.ts';
import { precisionRecallAtScore } from '../../../shared/src/eval/score-threshold.ts';

const vocImages = [
  { id: 7, file_name: 'JPEGImages/2007_000027.jpg' },
  { id: 8, file_name: '2007_000032.jpg' },
];
const vocGt: EvalGroundTruth = {
  images: vocImages,
  categories: [
    { id: 3, name: 'person' },
    { id: 9, name: 'motorbike' },
    { id: 10, name: 'tvmonitor' },
  ],
  annotations: [
    { image_id: 7, category_id: 3, bbox: [10, 20, 100, 200], area: 20000, iscrowd: 0 },
    { image_id: 8, category_id: 9, bbox: [0, 0, 50, 40], area: 2000, iscrowd: 0 },
  ],
};

describe('class names across label sets', () => {
  it('spells VOC names the COCO way', () => {
    expect(['motorbike', 'tvmonitor', 'diningtable', 'person', 'car'].map(cocoSpelling)).toEqual([
      'motorcycle',
      'tv',
      'dining table',
      'person',
      'car',
    ]);
  });
  it('resolves user class names in either spelling to ground-truth ids', () => {
    expect(resolveClassNames(['person', 'motorcycle', 'tvmonitor'], vocGt.categories)).toEqual([
      3, 9, 10,
    ]);
    expect(() => resolveClassNames(['person', 'forklift'], vocGt.categories)).toThrow(
      'unknown class "forklift"; the ground truth has: person, motorbike, tvmonitor',
    );
  });
  it('refuses ground truth where two classes become the same name', () => {
    const cats = [
      { id: 1, name: 'motorbike' },
      { id: 2, name: 'motorcycle' },
    ];
    expect(() => resolveClassNames(['person'], cats)).toThrow(
      'categories 1 and 2 are both "motorcycle"; class names must be unique',
    );
  });
  it("a COCO model's detections score against VOC ground truth", () => {
    const byFile = imageIdsByFileName(vocImages);
    expect([...byFile]).toEqual([
      ['2007_000027.jpg', 7],
      ['2007_000032.jpg', 8],
    ]);
    const model: { file: string; detections: Detection[] }[] = [
      {
        file: '2007_000027.jpg',
        detections: [
          { label: 'person', score: 0.9, box: [10, 20, 110, 220] },
          { label: 'dog', score: 0.8, box: [0, 0, 5, 5] },
        ],
      },
      {
        file: '2007_000032.jpg',
        detections: [{ label: 'motorcycle', score: 0.7, box: [0, 0, 50, 40] }],
      },
    ];
    const { detections, droppedByClass } = detectionsToResults(
      model.map((m) => ({ imageId: byFile.get(m.file) ?? -1, detections: m.detections })),
      vocGt.categories,
    );
    // xyxy [10,20,110,220] is xywh [10,20,100,200]; "dog" is not a VOC-100 class here.
    expect(detections).toEqual([
      { image_id: 7, category_id: 3, bbox: [10, 20, 100, 200], score: 0.9 },
      { image_id: 8, category_id: 9, bbox: [0, 0, 50, 40], score: 0.7 },
    ]);
    expect([...droppedByClass]).toEqual([['dog', 1]]);
    const ev = evaluateBoxes(vocGt, detections);
    // Both objects found exactly; tvmonitor has no ground truth so it does not count.
    expect(ev.stats.AP).toBeCloseTo(1, 12);
    expect(ev.perCategory.map((c) => [c.name, c.numGt, c.AP50])).toEqual([
      ['person', 1, expect.closeTo(1, 12)],
      ['motorbike', 1, expect.closeTo(1, 12)],
      ['tvmonitor', 0, -1],
    ]);
  });
});

describe('precision and recall at a score threshold', () => {
  // The 2-image case of hand-cases.test.ts: d1 .9 TP, d2 .8 (IoU .5), d3 .7 FP, d4 .6 (IoU .818).
  const gt: EvalGroundTruth = {
    images: [{ id: 1 }, { id: 2 }],
    categories: [{ id: 1, name: 'person' }],
    annotations: [
      { image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], area: 10000 },
      { image_id: 1, category_id: 1, bbox: [200, 0, 100, 100], area: 10000 },
      { image_id: 2, category_id: 1, bbox: [0, 0, 100, 100], area: 10000 },
    ],
  };
  const dets = [
    { image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], score: 0.9 },
    { image_id: 2, category_id: 1, bbox: [0, 0, 100, 50], score: 0.8 },
    { image_id: 1, category_id: 1, bbox: [10, 0, 100, 100], score: 0.7 },
    { image_id: 1, category_id: 1, bbox: [210, 0, 100, 100], score: 0.6 },
  ];
  const ev = evaluateBoxes(gt, dets);
  it('counts what passes the threshold at IoU .5', () => {
    // ≥ .65 keeps d1 d2 d3: 2 TP, 1 FP → P 2/3, R 2/3. ≥ .6 adds d4 (TP) → P 3/4, R 1.
    expect(precisionRecallAtScore(ev, 0.65).overall).toEqual({
      tp: 2,
      fp: 1,
      numGt: 3,
      precision: 2 / 3,
      recall: 2 / 3,
    });
    expect(precisionRecallAtScore(ev, 0.6).overall).toMatchObject({ precision: 0.75, recall: 1 });
    expect(precisionRecallAtScore(ev, 0.95).overall).toMatchObject({ tp: 0, fp: 0, precision: -1 });
  });
  it('at IoU .75 the half-box d2 is a false positive', () => {
    const r = precisionRecallAtScore(ev, 0.5, 0.75);
    expect(r.perCategory[0]).toMatchObject({ name: 'person', tp: 2, fp: 2, recall: 2 / 3 });
  });
  it('refuses an IoU threshold the evaluation did not use', () => {
    expect(() => precisionRecallAtScore(ev, 0.5, 0.52)).toThrow(/IoU threshold 0.52 is not one of/);
  });
});
