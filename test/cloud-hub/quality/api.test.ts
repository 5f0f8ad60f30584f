// GET /v1/quality over real HTTP: reviews made through the review API become ground truth, and
// both the edge model (boxes sent with the frame) and the cloud detector are scored on them.
// Every expected figure below is worked out by hand from the boxes in this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudDetection } from '../../../cloud-hub/src/ledger/index.ts';
import type { QualityCell, QualityReport } from '../../../cloud-hub/src/quality/report.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { addSample, startLoopHub, storeDetected } from './loop-harness.ts';
import type { LoopHub } from './loop-harness.ts';

let hub: LoopHub;
const P1 = [12, 22, 112, 322] as const; // the cloud's person box (IoU 0.948 with the edge's)
const CAR = [400, 300, 700, 500] as const;

beforeAll(async () => {
  // The clock only matters to /metrics, which covers the last two weeks.
  hub = await startLoopHub({ quality: { minReviews: 5, confidence: 0.95 } }, () =>
    Date.parse('2026-11-28T12:00:00Z'),
  );
  const cloud: CloudDetection[][] = [
    [
      { label: 'person', score: 0.9, box: [...P1], kept: true },
      { label: 'car', score: 0.8, box: [...CAR], kept: true },
    ],
    [
      { label: 'person', score: 0.9, box: [...P1], kept: true },
      { label: 'truck', score: 0.5, box: [800, 100, 900, 200], kept: true },
      { label: 'kite', score: 0.1, box: [0, 0, 5, 5], kept: false, dropReason: 'min_score' },
    ],
    [{ label: 'person', score: 0.9, box: [...P1], kept: true }],
  ];
  // makeFrame: camera cam-(i % 3), so i = 0, 3, 6 are all cam-0; edge boxes person
  // [10,20,110,320] 0.81 and car [400,300,700,500] 0.42, looking for person and car.
  const ids = [0, 3, 6].map((i, k) => {
    const f = makeFrame(i);
    storeDetected(hub.ledger, f, cloud[k] ?? [], 'centernet', 1_000 + k * 10);
    return addSample(hub.ledger, f.frameId);
  });
  const review = async (sample: number, body: object) => {
    const r = await hub.post(`/v1/qa/samples/${sample}/review`, body, 'rita');
    if (r.status !== 201) throw new Error(`review ${r.status} ${await r.text()}`);
  };
  const [a, b, c] = ids as [number, number, number];
  await review(a, { verdict: 'accepted', label: 'person', score: 0.9, box: [...P1] });
  // No box sent: the cloud box with that label and score is the one meant.
  await review(a, { verdict: 'accepted', label: 'car', score: 0.8 });
  await review(b, { verdict: 'accepted', label: 'person', score: 0.9, box: [...P1] });
  await review(b, { verdict: 'rejected', label: 'truck', score: 0.5, box: [800, 100, 900, 200] });
  await review(b, { verdict: 'missed', label: 'car', box: [...CAR] });
  await review(c, { verdict: 'fixed', label: 'person', score: 0.9, box: [10, 20, 110, 320] });
  await review(c, { verdict: 'missed', label: 'person', box: [500, 100, 600, 400] });
});
afterAll(() => hub.close());

const cell = (r: QualityReport, source: string, camera: string, cls: string): QualityCell => {
  const c = r.cells.find((x) => x.source === source && x.camera === camera && x.class === cls);
  if (!c) throw new Error(`no cell ${source} ${camera} ${cls}`);
  return c;
};

describe('GET /v1/quality', () => {
  it('scores the cloud detector on the reviewed frames', async () => {
    const r = await hub.get<QualityReport>('/v1/quality?from=2026-11-23&to=2026-11-29');
    expect(r.reviewedFrames).toBe(3);
    expect(r.models.map((m) => `${m.source}:${m.model}`).sort()).toEqual([
      'cloud:centernet',
      'edge:ssd-mobilenet-int8',
    ]);
    // Ground truth: 4 persons (A, B, C ×2) and 2 cars (A, B). Cloud: persons on A, B, C match,
    // car on A matches, truck on B is false; the second person on C and the car on B are missed.
    const all = cell(r, 'cloud', 'all', 'all');
    expect([all.tp, all.fp, all.numGt, all.fn, all.frames]).toEqual([4, 1, 6, 2, 3]);
    expect(all.week).toBe('2026-W48');
    expect(all.weekStart).toBe('2026-11-23');
    expect(all.precision?.estimate).toBeCloseTo(0.8, 12);
    expect(all.recall?.estimate).toBeCloseTo(4 / 6, 12);
    // AP50: person 3 of 4 found at precision 1 → 76/101; car 1 of 2 → 51/101; truck has no
    // ground truth and is left out of the mean.
    expect(cell(r, 'cloud', 'cam-0', 'person').ap50).toBeCloseTo(76 / 101, 10);
    expect(cell(r, 'cloud', 'cam-0', 'car').ap50).toBeCloseTo(51 / 101, 10);
    expect(all.ap50).toBeCloseTo((76 / 101 + 51 / 101) / 2, 10);
    expect(cell(r, 'cloud', 'cam-0', 'truck')).toMatchObject({
      tp: 0,
      fp: 1,
      numGt: 0,
      ap50: null,
    });
  });

  it('scores the edge model from the boxes sent with the frames, on its own classes', async () => {
    const r = await hub.get<QualityReport>(
      '/v1/quality?from=2026-11-23&to=2026-11-29&camera=cam-0',
    );
    // Edge: person on every frame (matches A, B, C's first person), car on every frame (matches
    // A and B; C has no car).
    const all = cell(r, 'edge', 'all', 'all');
    expect([all.tp, all.fp, all.numGt]).toEqual([5, 1, 6]);
    expect(cell(r, 'edge', 'cam-0', 'person').ap50).toBeCloseTo(76 / 101, 10);
    expect(cell(r, 'edge', 'cam-0', 'car').ap50).toBeCloseTo(1, 10);
  });

  it('marks cells with fewer ground-truth boxes than quality.min_reviews', async () => {
    const r = await hub.get<QualityReport>('/v1/quality?from=2026-11-23&to=2026-11-29');
    expect(r.settings.minReviews).toBe(5);
    expect(cell(r, 'cloud', 'all', 'all').tooFewReviews).toBe(false); // 6 objects
    expect(cell(r, 'cloud', 'all', 'car').tooFewReviews).toBe(true); // 2 objects
    expect(r.rules.join(' ')).toMatch(/fewer than 5 ground-truth boxes/);
  });

  it('filters by model and has nothing outside the range', async () => {
    const only = await hub.get<QualityReport>(
      '/v1/quality?from=2026-11-23&to=2026-11-29&model=centernet',
    );
    expect(new Set(only.cells.map((c) => c.model))).toEqual(new Set(['centernet']));
    const before = await hub.get<QualityReport>('/v1/quality?from=2026-11-01&to=2026-11-22');
    expect(before.cells).toEqual([]);
  });

  it('puts the pre-filter recall from audits beside it', async () => {
    const r = await hub.get<QualityReport>('/v1/quality?from=2026-11-23&to=2026-11-29');
    const cam0 = r.prefilterRecall.find((p) => p.camera === 'cam-0');
    expect(cam0?.week).toBe('2026-W48');
    // No audit frames in this ledger: recall cannot be estimated, and says why.
    expect(cam0?.estimate).toMatchObject({ ok: false });
  });

  it('exposes the latest week as Prometheus gauges per model and camera', async () => {
    const text = await (await fetch(`${hub.base}/metrics`)).text();
    const value = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const cloud = 'source="cloud",model="centernet",camera="all"';
    expect(value('pretag_quality_precision', cloud)).toBeCloseTo(0.8, 12);
    expect(value('pretag_quality_recall', cloud)).toBeCloseTo(4 / 6, 12);
    expect(value('pretag_quality_ap50', cloud)).toBeCloseTo((76 / 101 + 51 / 101) / 2, 10);
    expect(value('pretag_quality_ground_truth', cloud)).toBe(6);
  });

  it('refuses a bad range with a clear message', async () => {
    const res = await fetch(`${hub.base}/v1/quality?from=2026-11-30&to=2026-11-01`, {
      headers: { authorization: 'Bearer op-1111111111111111111111111111111111-operator' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /from must not be after to/,
    );
  });

  it('appears as a section of the JSON report and the HTML report', async () => {
    const json = await hub.get<{ quality: { cells: QualityCell[]; models: unknown[] } }>(
      '/v1/reports/daily?from=2026-11-27&to=2026-11-27',
    );
    const c = json.quality.cells.find((x) => x.source === 'cloud' && x.camera === 'all');
    expect(c?.tp).toBe(4);
    const res = await fetch(
      `${hub.base}/v1/reports/daily?from=2026-11-27&to=2026-11-27&format=html`,
      {
        headers: { authorization: 'Bearer op-1111111111111111111111111111111111-operator' },
      },
    );
    const html = await res.text();
    expect(html).toContain('Model quality');
    expect(html).toContain('centernet');
    // Each model's weekly chart: the cloud model's precision point carries 80 % and its interval.
    const charts = html.match(/<svg[^>]*aria-labelledby="quality-\d+[^"]*"/g) ?? [];
    expect(charts).toHaveLength(json.quality.models.length);
    expect(html).toMatch(/<title>[^<]*80(\.0)?\s?%/);
  });
});
