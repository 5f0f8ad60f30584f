// Model quality through the project's COCO evaluator: a case worked by hand, and the COCO
// fixture whose AP50 pycocotools gives as 0.696973.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { evaluateModel } from '../../../cloud-hub/src/quality/evaluate.ts';
import type { EvalFrame } from '../../../cloud-hub/src/quality/evaluate.ts';
import { isoWeek } from '../../../cloud-hub/src/quality/iso-week.ts';
import { needMedia } from '../../helpers/media.ts';

const opts = { minReviews: 3, confidence: 0.95 };

describe('evaluateModel, by hand', () => {
  // Frame 1: a person and a car; frame 2: a person. The model finds both persons (0.9, 0.7),
  // invents a person (0.8) and a car on frame 2 (0.6), and misses the real car.
  const frames: EvalFrame[] = [
    {
      gt: [
        { label: 'person', box: [0, 0, 100, 200] },
        { label: 'car', box: [300, 300, 500, 400] },
      ],
      dets: [
        { label: 'person', score: 0.9, box: [5, 5, 100, 200] },
        { label: 'person', score: 0.8, box: [600, 0, 700, 100] },
      ],
    },
    {
      gt: [{ label: 'person', box: [50, 50, 150, 250] }],
      dets: [
        { label: 'person', score: 0.7, box: [50, 50, 150, 240] },
        { label: 'car', score: 0.6, box: [0, 400, 50, 450] },
      ],
    },
  ];
  const r = evaluateModel(frames, opts);

  it('counts true and false positives and misses per class and pooled', () => {
    const person = r.perClass.find((c) => c.class === 'person');
    const car = r.perClass.find((c) => c.class === 'car');
    expect([person?.tp, person?.fp, person?.numGt]).toEqual([2, 1, 2]);
    expect([car?.tp, car?.fp, car?.numGt, car?.fn]).toEqual([0, 1, 1, 1]);
    expect([r.overall.tp, r.overall.fp, r.overall.numGt]).toEqual([2, 2, 3]);
    expect(r.overall.precision?.estimate).toBeCloseTo(0.5, 12);
    expect(r.overall.recall?.estimate).toBeCloseTo(2 / 3, 12);
  });

  it('AP50 is the 101-point interpolated precision (pycocotools)', () => {
    // person ranked TP (P 1, R .5), FP (P .5), TP (P 2/3, R 1): envelope 1 up to recall .5
    // (51 points), 2/3 from .51 to 1 (50 points).
    const person = (51 + 50 * (2 / 3)) / 101;
    expect(r.perClass.find((c) => c.class === 'person')?.ap50).toBeCloseTo(person, 10);
    expect(r.perClass.find((c) => c.class === 'car')?.ap50).toBe(0);
    expect(r.overall.ap50).toBeCloseTo(person / 2, 10);
  });

  it('gives Wilson intervals and marks cells with too few reviewed objects', () => {
    // Wilson 95 % for 2 of 4 by hand: centre 0.5, half = z/(1+z²/4)·√(1/16 + z²/64).
    const z = 1.959963985;
    const half = (z / (1 + (z * z) / 4)) * Math.sqrt(1 / 16 + (z * z) / 64);
    expect(r.overall.precision?.low).toBeCloseTo(0.5 - half, 6);
    expect(r.overall.precision?.high).toBeCloseTo(0.5 + half, 6);
    expect(r.overall.tooFewReviews).toBe(false); // 3 objects, minimum 3
    expect(r.perClass.find((c) => c.class === 'car')?.tooFewReviews).toBe(true);
  });

  it('has no figures where there is nothing to judge', () => {
    const empty = evaluateModel([{ gt: [], dets: [] }], opts);
    expect(empty.overall.precision).toBeNull();
    expect(empty.overall.recall).toBeNull();
    expect(empty.overall.ap50).toBeNull();
    expect(empty.overall.tooFewReviews).toBe(true);
  });
});

describe('ISO weeks', () => {
  it('follow ISO 8601 at year boundaries', () => {
    // 2026-11-27 is a Friday in week 48; 2027-01-01 (Friday) still belongs to 2026-W53;
    // 2024-12-30 (Monday) starts 2025-W01.
    expect(isoWeek(Date.parse('2026-11-27T08:00:00Z'))).toEqual({
      week: '2026-W48',
      start: '2026-11-23',
    });
    expect(isoWeek(Date.parse('2027-01-01T12:00:00Z')).week).toBe('2026-W53');
    expect(isoWeek(Date.parse('2024-12-30T00:00:00Z'))).toEqual({
      week: '2025-W01',
      start: '2024-12-30',
    });
  });
});

const m = needMedia(
  'coco/coco2014-val-sample/ground-truth.json',
  'coco/coco2014-val-sample/detections.json',
);
describe.skipIf(!m.ok)('evaluateModel on the COCO fixture', () => {
  it('reproduces pycocotools AP50 (0.696973) to 1e-4', () => {
    interface Gt {
      images: { id: number }[];
      annotations: { image_id: number; category_id: number; bbox: number[] }[];
      categories: { id: number; name: string }[];
    }
    const gt = JSON.parse(readFileSync(m.paths[0] ?? '', 'utf8')) as Gt;
    const dets = JSON.parse(readFileSync(m.paths[1] ?? '', 'utf8')) as {
      image_id: number;
      category_id: number;
      bbox: number[];
      score: number;
    }[];
    const name = new Map(gt.categories.map((c) => [c.id, c.name]));
    const xyxy = (b: number[]): BoxXYXY => [
      b[0] ?? 0,
      b[1] ?? 0,
      (b[0] ?? 0) + (b[2] ?? 0),
      (b[1] ?? 0) + (b[3] ?? 0),
    ];
    const frames: EvalFrame[] = gt.images.map((img) => ({
      gt: gt.annotations
        .filter((a) => a.image_id === img.id)
        .map((a) => ({ label: name.get(a.category_id) ?? '?', box: xyxy(a.bbox) })),
      dets: dets
        .filter((d) => d.image_id === img.id)
        .map((d) => ({
          label: name.get(d.category_id) ?? `id${d.category_id}`,
          score: d.score,
          box: xyxy(d.bbox),
        })),
    }));
    const r = evaluateModel(frames, { minReviews: 30, confidence: 0.95 });
    expect(r.overall.ap50).not.toBeNull();
    expect(Math.abs((r.overall.ap50 ?? 0) - 0.696973)).toBeLessThan(1e-4);
    expect(r.overall.numGt).toBe(830);
  });
});
