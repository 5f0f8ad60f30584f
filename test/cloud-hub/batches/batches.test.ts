// COCO batches from ledger rows: a tiny batch's export equals a hand-written object, an export
// read back with the project's COCO evaluator matches a ground truth built by hand from the
// ledger (AP = 1), camera-day grouping follows the site's calendar, status changes are checked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateBoxes } from '@pretag/shared/eval/coco-eval';
import type { EvalDetection, EvalGroundTruth } from '@pretag/shared/eval/coco-eval';
import { parseGroundTruth } from '@pretag/shared/eval/coco-input';
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { CloudDetection, Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { BatchError, createBatchRegistry } from '../../../cloud-hub/src/batches/index.ts';
import { T0, makeFrame, tempDir } from '../ledger/frame-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let ledger: Ledger;
beforeEach(() => {
  tmp = tempDir();
  ledger = openLedger(tmp.file('hub.db'));
});
afterEach(() => {
  ledger.close();
  tmp.remove();
});

/** Ingests frame i (overrides allowed) and completes its job with these cloud boxes. */
function detected(
  i: number,
  cloud: CloudDetection[],
  overrides: Parameters<typeof makeFrame>[1] = {},
) {
  const f = makeFrame(i, overrides);
  const [r] = ledger.frames.ingestMany([{ payload: f, receivedAt: T0 }]);
  if (r?.status !== 'inserted') throw new Error(`frame ${i} not inserted`);
  const [job] = ledger.jobs.lease('w', 1, 60_000, T0);
  if (!job) throw new Error('no job');
  const done = ledger.jobs.complete(
    job.id,
    'w',
    { modelId: 'centernet', detections: cloud },
    5,
    T0,
  );
  if (!done.ok) throw new Error(done.message);
  return f;
}

const box = (label: string, score: number, b: BoxXYXY, kept = true): CloudDetection => ({
  label,
  score,
  box: b,
  kept,
  ...(kept ? {} : { dropReason: 'score' }),
});

describe('COCO batches', () => {
  it('exports a tiny batch exactly as written out by hand', () => {
    detected(0, [box('person', 0.9, [10, 20, 110, 320]), box('car', 0.1, [0, 0, 5, 5], false)], {
      camera: 'dock-3',
    });
    detected(
      1,
      [box('truck', 0.75, [400.5, 300.25, 700, 500]), box('forklift', 0.6, [1, 2, 11, 22])],
      {
        camera: 'dock-3',
      },
    );
    const reg = createBatchRegistry(ledger, { policy: { groupBy: 'every-n', size: 2 } });
    expect(reg.assignDetected(T0 + 10)).toBe(2);
    expect(reg.list()).toEqual([
      expect.objectContaining({ id: 'n-0001', status: 'ready', frameCount: 2 }),
    ]);
    const coco = reg.exportCoco('n-0001', {
      publicBaseUrl: 'https://hub.example.com/',
      now: T0 + 20,
    });
    const url = (id: string) =>
      `https://hub.example.com/v1/blobs/frames/dublin-plant-2/dock-3/2026/11/27/${id}.jpg`;
    const { categories, ...rest } = coco;
    expect(rest).toEqual({
      info: {
        description: 'pretag annotation batch n-0001',
        version: '1',
        date_created: '2026-11-27T08:00:00.020Z',
        batch_id: 'n-0001',
      },
      images: [
        {
          id: 1,
          frame_id: 'f000000',
          file_name: 'f000000.jpg',
          blob_key: 'frames/dublin-plant-2/dock-3/2026/11/27/f000000.jpg',
          width: 1280,
          height: 720,
          site: 'dublin-plant-2',
          camera: 'dock-3',
          captured_at: '2026-11-27T08:00:00.000Z',
          reason: 'prefilter',
          coco_url: url('f000000'),
          url: url('f000000'),
        },
        {
          id: 2,
          frame_id: 'f000001',
          file_name: 'f000001.jpg',
          blob_key: 'frames/dublin-plant-2/dock-3/2026/11/27/f000001.jpg',
          width: 1280,
          height: 720,
          site: 'dublin-plant-2',
          camera: 'dock-3',
          captured_at: '2026-11-27T08:00:01.000Z',
          reason: 'prefilter',
          coco_url: url('f000001'),
          url: url('f000001'),
        },
      ],
      annotations: [
        // person: x 10, y 20, w 100, h 300, area 30 000; the dropped car is not exported.
        {
          id: 1,
          image_id: 1,
          category_id: 1,
          bbox: [10, 20, 100, 300],
          area: 30000,
          iscrowd: 0,
          score: 0.9,
        },
        // truck (COCO id 8): w 299.5, h 199.75, area 59 825.125 → 59 825.13.
        {
          id: 2,
          image_id: 2,
          category_id: 8,
          bbox: [400.5, 300.25, 299.5, 199.75],
          area: 59825.13,
          iscrowd: 0,
          score: 0.75,
        },
        // forklift is not a COCO class: first extra id.
        {
          id: 3,
          image_id: 2,
          category_id: 1001,
          bbox: [1, 2, 10, 20],
          area: 200,
          iscrowd: 0,
          score: 0.6,
        },
      ],
    });
    // All 80 COCO categories with their published ids, then the extra one.
    expect(categories).toHaveLength(81);
    expect(categories).toEqual(
      expect.arrayContaining([
        { id: 1, name: 'person' },
        { id: 3, name: 'car' },
        { id: 8, name: 'truck' },
        { id: 13, name: 'stop sign' },
        { id: 90, name: 'toothbrush' },
        { id: 1001, name: 'forklift' },
      ]),
    );
    expect(categories.some((c) => c.id === 12)).toBe(false);
    expect(reg.get('n-0001')?.status).toBe('exported');
  });

  it('reads back with the COCO evaluator as AP 1.0 against a ground truth built from the ledger', () => {
    const rng = (k: number) => ((k * 7919) % 1000) / 1000;
    for (let i = 0; i < 12; i++) {
      const cloud: CloudDetection[] = [];
      for (let k = 0; k < 1 + (i % 4); k++) {
        const x = 40 + 200 * k + 30 * rng(i * 10 + k);
        const y = 50 + 100 * rng(i * 10 + k + 5);
        cloud.push(
          box(['person', 'car', 'bicycle'][k % 3] as string, 0.3 + 0.6 * rng(i + k), [
            x,
            y,
            x + 80 + k,
            y + 150,
          ]),
        );
      }
      cloud.push(box('person', 0.05, [0, 0, 20, 20], false));
      detected(i, cloud);
    }
    const reg = createBatchRegistry(ledger, { policy: { groupBy: 'every-n', size: 100 } });
    reg.assignDetected(T0);
    const [batch] = reg.seal(T0);
    const coco = JSON.parse(
      JSON.stringify(reg.exportCoco(batch as string, { publicBaseUrl: 'http://h', now: T0 })),
    ) as unknown;
    const exported = parseGroundTruth(coco, 'export');

    // Ground truth straight from the ledger's rows, with its own ids.
    const rows = ledger
      .statement<
        [],
        { frame_id: string; label: string; x1: number; y1: number; x2: number; y2: number }
      >(
        "SELECT frame_id, label, x1, y1, x2, y2 FROM detections WHERE source = 'cloud' AND kept = 1 ORDER BY frame_id, id",
      )
      .all();
    const frameIds = [
      ...new Set(ledger.statement<[], string>('SELECT frame_id FROM frames').pluck().all()),
    ];
    const names = ['person', 'car', 'bicycle'];
    const gt: EvalGroundTruth = {
      images: frameIds.map((_, k) => ({ id: 100 + k })),
      categories: names.map((name, k) => ({ id: 50 + k, name })),
      annotations: rows.map((r) => ({
        image_id: 100 + frameIds.indexOf(r.frame_id),
        category_id: 50 + names.indexOf(r.label),
        bbox: [r.x1, r.y1, r.x2 - r.x1, r.y2 - r.y1],
        iscrowd: 0,
      })),
    };
    // 1, 2, 3, 4 kept boxes on frames i % 4 = 0..3, three times over: 30.
    expect(gt.annotations.length).toBe(30);
    const imageOf = new Map(
      exported.images.map((im) => [im.id, String(im.file_name).replace('.jpg', '')]),
    );
    const nameOf = new Map(exported.categories.map((c) => [c.id, c.name]));
    const dets: EvalDetection[] = exported.annotations.map((a) => ({
      image_id: 100 + frameIds.indexOf(imageOf.get(a.image_id) as string),
      category_id: 50 + names.indexOf(nameOf.get(a.category_id) as string),
      bbox: a.bbox,
      score: (a as { score?: number }).score ?? 1,
    }));
    const ev = evaluateBoxes(gt, dets);
    expect(ev.stats.AP).toBeCloseTo(1, 10);
  });

  it('groups by camera and the site-local day, caps batch size, and seals finished days', () => {
    const zone = 'America/New_York';
    // 04:30Z is 23:30 on the 26th in New York; 05:30Z is 00:30 on the 27th.
    detected(0, [], { camera: 'cam-a', capturedAt: '2026-11-27T04:30:00Z' });
    detected(1, [], { camera: 'cam-a', capturedAt: '2026-11-27T05:30:00Z' });
    detected(2, [], { camera: 'cam-a', capturedAt: '2026-11-27T06:30:00Z' });
    detected(3, [], { camera: 'cam-a', capturedAt: '2026-11-27T07:30:00Z' });
    detected(4, [], { camera: 'cam-b', capturedAt: '2026-11-27T07:30:00Z' });
    const reg = createBatchRegistry(ledger, {
      policy: { groupBy: 'camera-day', size: 2 },
      timeZoneOf: () => zone,
    });
    expect(reg.assignDetected(T0)).toBe(5);
    expect(reg.assignDetected(T0)).toBe(0);
    const view = () => reg.list().map((b) => [b.id, b.status, b.frameCount]);
    expect(view()).toEqual([
      ['dublin-plant-2.cam-a.2026-11-26.0001', 'open', 1],
      ['dublin-plant-2.cam-a.2026-11-27.0001', 'ready', 2],
      ['dublin-plant-2.cam-a.2026-11-27.0002', 'open', 1],
      ['dublin-plant-2.cam-b.2026-11-27.0001', 'open', 1],
    ]);
    // Noon UTC on the 27th: the 26th is over in New York, the 27th is not.
    expect(reg.sealFinishedDays(Date.parse('2026-11-27T12:00:00Z'))).toEqual([
      'dublin-plant-2.cam-a.2026-11-26.0001',
    ]);
  });

  it('refuses status changes out of order with a clear error', () => {
    detected(0, []);
    const reg = createBatchRegistry(ledger, { policy: { groupBy: 'every-n', size: 10 } });
    reg.assignDetected(T0);
    expect(() => reg.exportCoco('n-0001', { publicBaseUrl: 'http://h', now: T0 })).toThrow(
      new BatchError('batch "n-0001" is open; only ready or exported batches can be exported'),
    );
    expect(() => reg.markAnnotated('n-0001', T0)).toThrow('is open; it cannot become annotated');
    expect(() => reg.exportCoco('nope', { publicBaseUrl: 'http://h', now: T0 })).toThrow(
      'no batch "nope"',
    );
    reg.seal(T0);
    reg.exportCoco('n-0001', { publicBaseUrl: 'http://h', now: T0 });
    reg.markAnnotated('n-0001', T0);
    expect(reg.get('n-0001')?.status).toBe('annotated');
    expect(() => createBatchRegistry(ledger, { policy: { groupBy: 'every-n', size: 0 } })).toThrow(
      'batch size must be a whole number ≥ 1 (got 0)',
    );
  });
});
