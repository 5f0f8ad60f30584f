// Annotator metrics on a seeded double review through the real API: every sample is reviewed by
// two of three reviewers (qa overlap 1); two are careful, one drops and mislabels objects at
// random. Agreement per pair is recomputed here by hand from what each reviewer was made to
// report; the careless reviewer is flagged, time per image follows the clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@pretag/shared/random/prng';
import type { AnnotatorReport } from '../../../cloud-hub/src/annotators/report.ts';
import { reviewersNeeded } from '../../../cloud-hub/src/annotators/overlap.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { addSample, as, startLoopHub, storeDetected } from '../quality/loop-harness.ts';
import type { LoopHub, Person } from '../quality/loop-harness.ts';

const N = 12;
const PAIRS: [Person, Person][] = [
  ['rita', 'ravi'],
  ['rita', 'remy'],
  ['ravi', 'remy'],
];
let clock = Date.parse('2026-11-27T09:00:00Z');
let hub: LoopHub;
const expected = new Map<number, number>();
const samples: number[] = [];
let pendingAfterFirst = 0;
let pendingForFirst = 0;

interface Obj {
  label: string;
  box: [number, number, number, number];
}

beforeAll(async () => {
  hub = await startLoopHub({ overlap: { share: 1, seed: 1 } }, () => clock);
  const random = mulberry32(2026);
  for (let i = 0; i < N; i++) {
    const f = makeFrame(i, { camera: 'cam-0' });
    storeDetected(hub.ledger, f, [], 'centernet', 1_000 + i * 10);
    samples.push(addSample(hub.ledger, f.frameId));
  }
  const review = async (who: Person, sample: number, objs: Obj[]) => {
    // rita opens each sample first; the others do not (their time comes from the previous verdict).
    if (who === 'rita') {
      const r = await hub.post(`/v1/qa/samples/${sample}/open`, {}, who);
      if (r.status !== 200) throw new Error(`open ${r.status}`);
    }
    for (const o of objs) {
      clock += 10_000;
      const r = await hub.post(`/v1/qa/samples/${sample}/review`, { verdict: 'missed', ...o }, who);
      if (r.status !== 201) throw new Error(`review ${r.status} ${await r.text()}`);
    }
    clock += 5_000;
  };
  for (let i = 0; i < N; i++) {
    const truth: Obj[] = [0, 1, 2].map((k) => ({
      label: random() < 0.5 ? 'person' : 'car',
      box: [100 + k * 200, 100, 150 + k * 200, 300],
    }));
    const reported = (who: Person): Obj[] =>
      who !== 'remy'
        ? truth
        : truth
            .filter(() => random() < 0.5)
            .map((o) =>
              random() < 0.3 ? { ...o, label: o.label === 'car' ? 'person' : 'car' } : o,
            );
    const [a, b] = PAIRS[i % 3] as [Person, Person];
    // A reviewer who reports nothing still gives one verdict (the first object), so the
    // sample counts as reviewed by them.
    const ra = reported(a);
    const rb = reported(b);
    const sa = ra.length ? ra : [truth[0] as Obj];
    const sb = rb.length ? rb : [truth[0] as Obj];
    // By hand: boxes of one object are identical (IoU 1), of different objects disjoint; so
    // matched = objects both reported with the same label, agreement = 2·matched / (|A| + |B|).
    const matched = sa.filter((x) =>
      sb.some((y) => y.box[0] === x.box[0] && y.label === x.label),
    ).length;
    const sample = samples[i] ?? 0;
    expected.set(sample, (2 * matched) / (sa.length + sb.length));
    await review(a, sample, sa);
    const third = PAIRS.flat().find((p) => p !== a && p !== b) ?? 'olga';
    const forOther = await hub.get<{ items: { id: number }[] }>(
      '/v1/qa/samples?status=pending&limit=500',
      third,
    );
    if (forOther.items.some((s) => s.id === sample)) pendingAfterFirst++;
    const forFirst = await hub.get<{ items: { id: number }[] }>(
      '/v1/qa/samples?status=pending&limit=500',
      a,
    );
    if (forFirst.items.some((s) => s.id === sample)) pendingForFirst++;
    await review(b, sample, sb);
  }
});
afterAll(() => hub.close());

describe('double review', () => {
  it('keeps a sample pending until its second reviewer has judged it', async () => {
    expect(samples.every((s) => reviewersNeeded(s, 1) === 2)).toBe(true);
    // After the first reviewer: pending for the others, no longer for them.
    expect(pendingAfterFirst).toBe(N);
    expect(pendingForFirst).toBe(0);
    const pending = await hub.get<{ items: unknown[] }>('/v1/qa/samples?status=pending&limit=500');
    expect(pending.items).toEqual([]);
  });

  it('a share picks about that share of samples, the same ones every time', () => {
    const picked = Array.from({ length: 10_000 }, (_, i) => reviewersNeeded(i + 1, 0.1, 1)).filter(
      (n) => n === 2,
    ).length;
    expect(picked / 10_000).toBeGreaterThan(0.09);
    expect(picked / 10_000).toBeLessThan(0.11);
    expect(reviewersNeeded(17, 0.1, 1)).toBe(reviewersNeeded(17, 0.1, 1));
    expect(reviewersNeeded(17, 0, 1)).toBe(1);
  });
});

describe('GET /v1/annotators', () => {
  it('gives each pair the agreement worked out by hand', async () => {
    const r = await hub.get<AnnotatorReport>('/v1/annotators?from=2026-11-27&to=2026-11-27');
    expect(r.pairs).toHaveLength(N);
    for (const p of r.pairs) expect(p.agreement).toBeCloseTo(expected.get(p.sampleId) ?? -1, 12);
    const mean = [...expected.values()].reduce((a, b) => a + b, 0) / N;
    expect(r.overallAgreement).toBeCloseTo(mean, 12);
  });

  it('flags the careless reviewer and only them, saying why', async () => {
    const r = await hub.get<AnnotatorReport>('/v1/annotators?from=2026-11-27&to=2026-11-27');
    const by = new Map(r.reviewers.map((x) => [x.reviewer, x]));
    expect(by.get('remy')?.flagged).toBe(true);
    expect(by.get('remy')?.why).toMatch(/below the others'/);
    expect(by.get('rita')?.flagged).toBe(false);
    expect(by.get('ravi')?.flagged).toBe(false);
    // Pairs without remy are all rita–ravi, who agree completely.
    expect(by.get('remy')?.othersAgreement).toBe(1);
    expect(by.get('rita')?.doubleReviewed).toBe(8);
  });

  it('times images from the open mark, or from the previous verdict, and counts actions', async () => {
    const r = await hub.get<AnnotatorReport>('/v1/annotators?from=2026-11-27&to=2026-11-27');
    const rita = r.reviewers.find((x) => x.reviewer === 'rita');
    // rita always reports the 3 objects, 10 s apart after opening: 30 s an image, 3 actions.
    expect(rita).toMatchObject({
      images: 8,
      actions: 24,
      actionsPerImage: 3,
      fromOpen: 8,
      medianMs: 30_000,
    });
    const ravi = r.reviewers.find((x) => x.reviewer === 'ravi');
    // ravi never opens: his first image has no start; later ones run from his previous verdict.
    expect(ravi?.fromOpen).toBe(0);
    expect(ravi?.fromPrevious).toBe(7);
    expect(ravi?.timed).toBe(7);
  });

  it('is for operators only', async () => {
    const res = await fetch(`${hub.base}/v1/annotators`, { headers: as('rita') });
    expect(res.status).toBe(403);
  });
});
