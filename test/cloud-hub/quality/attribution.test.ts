// Which cloud model a reviewed frame scores: the one that actually detected it, even when its
// run found nothing (no box row names it) and a promotion to another model was recorded before
// the frame arrived (a worker that could not open the promoted model keeps the old one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityReport } from '../../../cloud-hub/src/quality/report.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { addSample, startLoopHub, storeDetected } from './loop-harness.ts';
import type { LoopHub } from './loop-harness.ts';

let hub: LoopHub;
const PERSON = [10, 20, 110, 320] as const;

beforeAll(async () => {
  hub = await startLoopHub({ quality: { minReviews: 1, confidence: 0.95 } }, () =>
    Date.parse('2026-11-28T12:00:00Z'),
  );
  // Promoted to nanodet at t=500, before either frame arrived.
  hub.ledger.db
    .prepare(
      `INSERT INTO model_promotions (at, actor, from_model, to_model, detector)
       VALUES (500, 'olga', 'centernet', 'nanodet', '{"adapter":"nanodet"}')`,
    )
    .run();
  // Frame 0: detected by a worker still on centernet, which found nothing.
  // Frame 3: detected by nanodet, which found the person.
  const f0 = makeFrame(0);
  const f3 = makeFrame(3);
  storeDetected(hub.ledger, f0, [], 'centernet', 1_000);
  storeDetected(
    hub.ledger,
    f3,
    [{ label: 'person', score: 0.9, box: [...PERSON], kept: true }],
    'nanodet',
    1_010,
  );
  const s0 = addSample(hub.ledger, f0.frameId);
  const s3 = addSample(hub.ledger, f3.frameId);
  const review = async (sample: number, body: object) => {
    const r = await hub.post(`/v1/qa/samples/${sample}/review`, body, 'rita');
    if (r.status !== 201) throw new Error(`review ${r.status} ${await r.text()}`);
  };
  await review(s0, { verdict: 'missed', label: 'person', box: [...PERSON] });
  await review(s3, { verdict: 'accepted', label: 'person', score: 0.9, box: [...PERSON] });
});
afterAll(() => hub.close());

describe('cloud model attribution', () => {
  it('charges a miss to the model that ran, not to the model promoted before the frame came', async () => {
    const r = await hub.get<QualityReport>('/v1/quality?from=2026-11-23&to=2026-11-29');
    const cloud = (model: string) =>
      r.cells.find(
        (c) => c.source === 'cloud' && c.model === model && c.camera === 'all' && c.class === 'all',
      );
    // centernet: one person in the truth, none found. nanodet: one person, found.
    expect(cloud('centernet')).toMatchObject({ frames: 1, tp: 0, fp: 0, fn: 1, numGt: 1 });
    expect(cloud('nanodet')).toMatchObject({ frames: 1, tp: 1, fp: 0, fn: 0, numGt: 1 });
  });
});
