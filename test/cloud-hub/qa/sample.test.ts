import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QA_OPTIONS,
  qaOptionsFromConfig,
  sampleBatch,
} from '../../../cloud-hub/src/qa/sample.ts';
import type { QaOptions } from '../../../cloud-hub/src/qa/sample.ts';
import type { QaFrame } from '../../../cloud-hub/src/qa/types.ts';
import type { BoxXYXY, Detection } from '../../../shared/src/detection/types.ts';

const det = (label: string, score: number, box: BoxXYXY = [0, 0, 10, 10]): Detection => ({
  label,
  score,
  box,
});

/** An easy frame: edge and cloud agree, scores far from both thresholds. */
function easy(id: string, camera: string, label: string, hour: number): QaFrame {
  return {
    frameId: id,
    camera,
    capturedAt: `2026-11-27T${String(hour).padStart(2, '0')}:00:00Z`,
    hour,
    reason: 'prefilter',
    edge: [det(label, 0.8)],
    cloud: [det(label, 0.9)],
    edgeMinScore: 0.35,
    cloudMinScore: 0.3,
  };
}

/** 3 cameras × 2 classes × 2 hours = 12 strata, `per` frames each. */
function grid(per: number): QaFrame[] {
  const out: QaFrame[] = [];
  for (const cam of ['a', 'b', 'c'])
    for (const label of ['person', 'car'])
      for (const hour of [8, 20])
        for (let i = 0; i < per; i++)
          out.push(easy(`${cam}-${label}-${hour}-${i}`, cam, label, hour));
  return out;
}

const stratifiedOnly = (n: number, seed = 1): QaOptions => ({
  ...DEFAULT_QA_OPTIONS,
  seed,
  rate: 0,
  minPerBatch: n,
  maxPerBatch: n,
  hardShare: 0,
  diversityShare: 0,
});

const ids = (r: ReturnType<typeof sampleBatch>) => r.samples.map((s) => s.frameId);

describe('sampleBatch: reproducibility', () => {
  const frames = grid(10); // 120 frames

  it('same seed → same picks, whatever the input order', () => {
    const a = sampleBatch(frames, stratifiedOnly(20, 7));
    const b = sampleBatch([...frames].reverse(), stratifiedOnly(20, 7));
    expect(ids(b)).toEqual(ids(a));
  });

  it('a different seed → a different sample of the same size', () => {
    const a = sampleBatch(frames, stratifiedOnly(20, 7));
    const b = sampleBatch(frames, stratifiedOnly(20, 8));
    expect(b.samples).toHaveLength(20);
    expect(new Set(ids(b))).not.toEqual(new Set(ids(a)));
  });
});

describe('sampleBatch: strata', () => {
  it('24 picks over 12 equal strata of 5: two from each', () => {
    // one each (12), then 12 more split over spare (5 − 1) = 4 each → 1 more each
    const r = sampleBatch(grid(5), stratifiedOnly(24));
    expect(r.strata).toEqual({ total: 12, covered: 12 });
    const per = new Map<string, number>();
    for (const s of r.samples) per.set(s.stratum, (per.get(s.stratum) ?? 0) + 1);
    expect([...per.values()]).toEqual(Array(12).fill(2));
    expect(r.samples.every((s) => s.reason === 'stratified')).toBe(true);
  });

  it('fewer picks than strata: each pick from a different stratum', () => {
    const r = sampleBatch(grid(5), stratifiedOnly(5));
    expect(r.samples).toHaveLength(5);
    expect(new Set(r.samples.map((s) => s.stratum)).size).toBe(5);
  });

  it('the stratum key is camera | top cloud class | local hour', () => {
    const r = sampleBatch([easy('x', 'dock-3', 'truck', 23)], stratifiedOnly(1));
    expect(r.samples[0]?.stratum).toBe('dock-3|truck|23');
  });
});

describe('sampleBatch: hard examples', () => {
  const hard: QaFrame[] = [
    { ...easy('h-audit', 'a', 'person', 9), reason: 'audit', edge: [] },
    { ...easy('h-disagree', 'a', 'person', 9), cloud: [det('truck', 0.9)] },
    { ...easy('h-near', 'a', 'person', 9), edge: [det('person', 0.37)] },
  ];
  const frames = [...grid(2), ...hard]; // 24 easy + 3 hard

  it('takes every hard frame when the hard quota allows, each with its reason', () => {
    // n = 10 (min = max = 10), hard quota floor(0.5 × 10) = 5 ≥ 3 hard frames
    const r = sampleBatch(frames, { ...stratifiedOnly(10), hardShare: 0.5 });
    const why = Object.fromEntries(r.samples.map((s) => [s.frameId, s.reason]));
    expect(why['h-audit']).toBe('audit-miss');
    expect(why['h-disagree']).toBe('disagreement');
    expect(why['h-near']).toBe('near-threshold');
    expect(r.counts).toEqual({ frames: 27, n: 10, hard: 3, diversity: 0, stratified: 7 });
    expect(r.hardAvailable).toEqual({ 'audit-miss': 1, disagreement: 1, 'near-threshold': 1 });
  });

  it('a hard quota of 2 takes one of each kind in priority order, not two of one kind', () => {
    const more = [...frames, { ...hard[0]!, frameId: 'h-audit-2' }];
    // quota floor(0.2 × 10) = 2: round-robin audit-miss, then disagreement
    const r = sampleBatch(more, { ...stratifiedOnly(10), hardShare: 0.2 });
    expect(r.samples.slice(0, 2).map((s) => s.reason)).toEqual(['audit-miss', 'disagreement']);
  });
});

describe('sampleBatch: diversity', () => {
  // Ten frames whose embeddings point almost the same way, and two outliers.
  const frames: QaFrame[] = [
    ...Array.from({ length: 10 }, (_, i) => ({
      ...easy(`c${i}`, 'a', 'person', 9),
      embedding: [1, 0.01 * i],
    })),
    { ...easy('up', 'a', 'person', 9), embedding: [0, 1] },
    { ...easy('back', 'a', 'person', 9), embedding: [-1, 0] },
  ];

  it.each([1, 2, 3, 4, 5])('seed %i: 3 farthest-point picks include both outliers', (seed) => {
    const r = sampleBatch(frames, { ...stratifiedOnly(3, seed), diversityShare: 1 });
    expect(r.samples.every((s) => s.reason === 'diversity')).toBe(true);
    expect(ids(r)).toEqual(expect.arrayContaining(['up', 'back']));
  });
});

describe('sampleBatch: bad input', () => {
  it('an empty batch gives an empty sample', () => {
    expect(sampleBatch([], DEFAULT_QA_OPTIONS)).toEqual({
      samples: [],
      counts: { frames: 0, n: 0, hard: 0, diversity: 0, stratified: 0 },
      hardAvailable: { 'audit-miss': 0, disagreement: 0, 'near-threshold': 0 },
      strata: { total: 0, covered: 0 },
      problems: [],
    });
  });

  it('repeated ids, bad hours, bad embeddings and NaN scores are reported, not thrown', () => {
    const frames: QaFrame[] = [
      { ...easy('a', 'a', 'person', 9), embedding: [1, 0] },
      { ...easy('a', 'a', 'person', 9) },
      { ...easy('b', 'a', 'person', 9), hour: 25 },
      { ...easy('c', 'a', 'person', 9), embedding: [1, NaN] },
      { ...easy('d', 'a', 'person', 9), cloud: [det('person', NaN)] },
    ];
    const r = sampleBatch(frames, { ...stratifiedOnly(4), diversityShare: 0.5 });
    expect(r.counts.frames).toBe(4);
    expect(r.problems).toEqual([
      'frame a appears more than once; the first is used',
      'frame b: hour 25 is not 0–23',
      'frame c: embedding unusable (length or non-finite values)',
    ]);
    expect(r.samples).toHaveLength(4);
  });
});

describe('qaOptionsFromConfig', () => {
  it('maps hub.yaml qa settings', () => {
    const o = qaOptionsFromConfig({
      rate: 0.1,
      min_per_batch: 5,
      max_per_batch: 50,
      hard_share: 0.3,
      seed: 42,
    });
    expect([o.rate, o.minPerBatch, o.maxPerBatch, o.hardShare, o.seed]).toEqual([
      0.1, 5, 50, 0.3, 42,
    ]);
  });
});
