// Drift, week against week: the statistics against hand-worked values, alerts on a synthetic
// class-mix shift and a score shift, and silence on two weeks drawn from one distribution
// (seeded PRNG), through the pure module, GET /v1/drift and /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@pretag/shared/random/prng';
import type { Random } from '@pretag/shared/random/prng';
import { cameraDrift, DEFAULT_DRIFT } from '../../../cloud-hub/src/drift/alerts.ts';
import type { CameraWeeks } from '../../../cloud-hub/src/drift/alerts.ts';
import { chiSquareUpperTail } from '../../../cloud-hub/src/drift/class-mix.ts';
import type { DriftReport } from '../../../cloud-hub/src/drift/load.ts';
import {
  kolmogorovQ,
  ksFromHistograms,
  ksTwoSample,
  scoreHistogram,
} from '../../../cloud-hub/src/drift/ks.ts';
import type { CloudDetection } from '../../../cloud-hub/src/ledger/index.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { as, startLoopHub, storeDetected } from '../quality/loop-harness.ts';
import type { LoopHub } from '../quality/loop-harness.ts';

const MIX = { person: 0.6, car: 0.3, truck: 0.1 };
const SHIFTED = { person: 0.35, car: 0.55, truck: 0.1 };

function draw(random: Random, mix: Record<string, number>): string {
  let u = random();
  for (const [k, p] of Object.entries(mix)) {
    if (u < p) return k;
    u -= p;
  }
  return 'truck';
}

function week(
  random: Random,
  n: number,
  mix: Record<string, number>,
  score: (u: number) => number,
) {
  const counts: Record<string, number> = {};
  const scores: number[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = draw(random, mix);
    counts[l] = (counts[l] ?? 0) + 1;
    labels.push(l);
    scores.push(score(random()));
  }
  return { counts, scores, labels, scoreBins: scoreHistogram(scores) };
}

const usual = (u: number) => 0.3 + 0.6 * u;
const lower = (u: number) => 0.2 + 0.5 * u;

describe('statistics', () => {
  it('chi-square tail and KS match hand-worked values', () => {
    // χ²(1) at 3.841459 has upper tail 0.05; χ²(2) tail is exp(−x/2).
    expect(chiSquareUpperTail(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareUpperTail(4, 2)).toBeCloseTo(Math.exp(-2), 10);
    // Disjoint samples: D = 1. Interleaved 1..6 split odd/even: CDF gap at most 1/3.
    expect(ksTwoSample([1, 2, 3], [4, 5, 6])?.d).toBe(1);
    expect(ksTwoSample([1, 3, 5], [2, 4, 6])?.d).toBeCloseTo(1 / 3, 12);
    // Q_KS(1) = 2(e^−2 − e^−8 + e^−18 − …) = 0.2699996.
    expect(kolmogorovQ(1)).toBeCloseTo(0.2699996, 6);
    expect(ksTwoSample([], [1])).toBeUndefined();
    // Binned: scores 0.105, 0.205, 0.305 against 0.405, 0.505, 0.605 fall in disjoint bins: D = 1;
    // the p-value is the same as for the raw samples of the same sizes and D.
    const binned = ksFromHistograms(
      scoreHistogram([0.105, 0.205, 0.305]),
      scoreHistogram([0.405, 0.505, 0.605]),
    );
    expect(binned?.d).toBe(1);
    expect(binned?.pValue).toBeCloseTo(ksTwoSample([1, 2, 3], [4, 5, 6])?.pValue ?? -1, 12);
  });

  it("Cramér's V and the moved share for a 2 × 2 table worked by hand", () => {
    // previous person 60 car 40, current person 40 car 60: χ² = 8 (n = 200), V = √(8/200) = 0.2.
    const w: CameraWeeks = {
      site: 's',
      camera: 'c',
      previous: { counts: { person: 60, car: 40 }, scoreBins: [] },
      current: { counts: { person: 40, car: 60 }, scoreBins: [] },
    };
    const r = cameraDrift(w, { alpha: 0.01, minEffect: 0.1, minCount: 50 });
    expect(r.classMix.tested && r.classMix.statistic).toBeCloseTo(8, 10);
    expect(r.classMix.cramersV).toBeCloseTo(0.2, 10);
    expect(r.classMix.tested && r.classMix.pValue).toBeCloseTo(chiSquareUpperTail(8, 1), 12);
    expect(r.classMix.moved).toMatchObject({
      class: 'car',
      points: expect.closeTo(20, 9) as number,
    });
    expect(r.classMix.alert).toBe(true);
    expect(r.messages[0]).toMatch(
      /^s\/c: class mix moved; car share 40\.0 % → 60\.0 % \(\+20\.0 points\)/,
    );
  });
});

describe('synthetic weeks (seeded)', () => {
  it('stays quiet on two weeks drawn from one distribution', () => {
    const random = mulberry32(1);
    const r = cameraDrift({
      site: 's',
      camera: 'c',
      previous: week(random, 400, MIX, usual),
      current: week(random, 400, MIX, usual),
    });
    expect(r.alert).toBe(false);
    expect(r.messages).toEqual([]);
  });

  it('false alarms on same-distribution weeks stay near alpha over 200 seeds', () => {
    // Two tests per camera at alpha 0.01: about 2 % of seeds may alarm by chance; allow 4 %.
    let alerts = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const random = mulberry32(seed * 7919);
      const r = cameraDrift({
        site: 's',
        camera: 'c',
        previous: week(random, 400, MIX, usual),
        current: week(random, 400, MIX, usual),
      });
      if (r.alert) alerts++;
    }
    expect(alerts / 200).toBeLessThanOrEqual(0.04);
  });

  it('fires on a shift of the class mix and names the class that moved', () => {
    const random = mulberry32(7);
    const prev = week(random, 400, MIX, usual);
    const cur = week(random, 400, SHIFTED, usual);
    const r = cameraDrift({ site: 's', camera: 'c', previous: prev, current: cur });
    expect(r.classMix.alert).toBe(true);
    expect(r.scores.alert).toBe(false);
    const points = ((cur.counts.car ?? 0) / 400 - (prev.counts.car ?? 0) / 400) * 100;
    expect(r.classMix.moved?.class).toBe('car');
    expect(r.classMix.moved?.points).toBeCloseTo(points, 9);
    expect(r.classMix.tested && r.classMix.pValue).toBeLessThan(DEFAULT_DRIFT.alpha);
  });

  it('fires on a shift of the score distribution', () => {
    const random = mulberry32(9);
    const r = cameraDrift({
      site: 's',
      camera: 'c',
      previous: week(random, 400, MIX, usual),
      current: week(random, 400, MIX, lower),
    });
    expect(r.classMix.alert).toBe(false);
    expect(r.scores.alert).toBe(true);
    expect(r.messages.join()).toMatch(/score distribution moved; KS D = 0\.\d+/);
  });

  it('does not test weeks with too few boxes, and says so', () => {
    const r = cameraDrift({
      site: 's',
      camera: 'c',
      previous: { counts: { person: 10 }, scoreBins: scoreHistogram([0.5]) },
      current: { counts: { car: 10 }, scoreBins: scoreHistogram([0.5]) },
    });
    expect(r.alert).toBe(false);
    expect(r.classMix.tested).toBe(false);
    expect(r.scores.tested ? '' : r.scores.reason).toMatch(/too few scores/);
  });
});

describe('GET /v1/drift and the drift gauge', () => {
  const NOW = Date.parse('2026-11-27T18:00:00Z');
  let hub: LoopHub;
  beforeAll(async () => {
    hub = await startLoopHub({}, () => NOW);
    const random = mulberry32(42);
    let n = 0;
    // Per camera and week: 40 frames of 10 boxes. cam-steady keeps its mix, cam-shift changes it.
    for (const [camera, second] of [
      ['cam-steady', MIX],
      ['cam-shift', SHIFTED],
    ] as const)
      for (const [start, mix] of [
        [Date.parse('2026-11-14T08:00:00Z'), MIX],
        [Date.parse('2026-11-21T08:00:00Z'), second],
      ] as const) {
        const w = week(random, 400, mix, usual);
        for (let f = 0; f < 40; f++) {
          const frame = makeFrame(n++, {
            camera,
            capturedAt: new Date(start + f * 3_600_000).toISOString(),
          });
          const dets: CloudDetection[] = w.labels.slice(f * 10, f * 10 + 10).map((label, k) => ({
            label,
            score: w.scores[f * 10 + k] ?? 0.5,
            box: [k * 10, 0, k * 10 + 8, 8],
            kept: true,
          }));
          storeDetected(hub.ledger, frame, dets, 'centernet', 1_000 + n * 10);
        }
      }
  });
  afterAll(() => hub.close());

  it('alerts on the shifted camera only, naming it, what moved and the p-value', async () => {
    const r = await hub.get<DriftReport>('/v1/drift?to=2026-11-27');
    expect(r.weeks).toEqual({
      previous: { from: '2026-11-14', to: '2026-11-20' },
      current: { from: '2026-11-21', to: '2026-11-27' },
    });
    expect(r.alerts.map((a) => `${a.camera}:${a.kind}`)).toEqual(['cam-shift:class-mix']);
    expect(r.alerts[0]?.message).toMatch(
      /^dublin-plant-2\/cam-shift: class mix moved; car share .* chi-square p = /,
    );
    const steady = r.cameras.find((c) => c.camera === 'cam-steady');
    expect(steady?.alert).toBe(false);
    expect(steady?.classMix.tested).toBe(true);
  });

  it('exposes the alert as a Prometheus gauge per camera', async () => {
    const res = await fetch(`${hub.base}/metrics`, { headers: as('olga') });
    const text = await res.text();
    expect(text).toMatch(
      /pretag_drift_alert\{site="dublin-plant-2",camera="cam-shift",kind="class-mix"\} 1/,
    );
    expect(text).toMatch(
      /pretag_drift_alert\{site="dublin-plant-2",camera="cam-steady",kind="class-mix"\} 0/,
    );
  });

  it('refuses a day that does not exist', async () => {
    const res = await fetch(`${hub.base}/v1/drift?to=2026-02-30`, { headers: as('olga') });
    expect(res.status).toBe(400);
  });
});
