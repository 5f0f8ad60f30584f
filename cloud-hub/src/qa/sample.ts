// QA sample of one batch, reproducible from a seed: hard examples first, then diversity
// (farthest-point over embeddings), then stratified over camera × class × hour. Sizes follow
// the rule in sample-size.ts. Frames are sorted by frameId first, so the same batch in any
// order gives the same sample; each stage draws from its own seeded stream.
//
// Stratum of a frame: camera | class | hour, where class is the label of its highest-scoring
// cloud box (else edge box, else "none": empty frames are QA'd too) and hour is the local hour.
// Hard examples: each frame counts under its most important tag (audit-miss, disagreement,
// near-threshold); the hard quota is filled round-robin over the three tags, each tag's frames
// in seeded-shuffled order, so one kind cannot crowd out the others.
import type { Detection } from '@pretag/shared/detection/types';
import { farthestPointSample } from './fps.ts';
import type { Metric } from './fps.ts';
import { DEFAULT_HARD_OPTIONS, HARD_TAGS, hardTags, usable } from './hard.ts';
import type { HardOptions, HardTag } from './hard.ts';
import { shuffled, streamFor } from '@pretag/shared/random/prng';
import type { Random } from '@pretag/shared/random/prng';
import { allocateAtLeastOne, sampleSize } from './sample-size.ts';
import type { SizeRule } from './sample-size.ts';
import type { PickReason, QaFrame } from './types.ts';

export interface QaOptions extends SizeRule, HardOptions {
  seed: number;
  /** Share of n taken from hard examples (hub.yaml qa.hard_share). */
  hardShare: number;
  /** Share of what is left after hard examples taken by diversity. */
  diversityShare: number;
  metric: Metric;
}

export const DEFAULT_QA_OPTIONS: QaOptions = {
  ...DEFAULT_HARD_OPTIONS,
  seed: 1,
  rate: 0.05,
  minPerBatch: 20,
  maxPerBatch: 200,
  hardShare: 0.5,
  diversityShare: 0.25,
  metric: 'cosine',
};

/** hub.yaml `qa` section onto options (what it does not carry keeps the defaults). */
export function qaOptionsFromConfig(qa: {
  rate: number;
  min_per_batch: number;
  max_per_batch: number;
  hard_share: number;
  seed: number;
}): QaOptions {
  return {
    ...DEFAULT_QA_OPTIONS,
    rate: qa.rate,
    minPerBatch: qa.min_per_batch,
    maxPerBatch: qa.max_per_batch,
    hardShare: qa.hard_share,
    seed: qa.seed,
  };
}

export interface QaSample {
  frameId: string;
  camera: string;
  capturedAt: string;
  stratum: string;
  /** The stage that picked it. */
  reason: PickReason;
  /** Every hard-example tag that applies, whatever picked it. */
  tags: HardTag[];
}

export interface QaSampleResult {
  /** In pick order: hard, diversity, stratified. */
  samples: QaSample[];
  /** Frames considered (after removing repeated frameIds), the target n and what each stage took. */
  counts: { frames: number; n: number; hard: number; diversity: number; stratified: number };
  /** Hard frames available per tag (each frame under its first tag). */
  hardAvailable: Record<HardTag, number>;
  strata: { total: number; covered: number };
  /** Input problems that were worked around (repeated ids, bad hours, bad embeddings). */
  problems: string[];
}

interface Prepared {
  frame: QaFrame;
  stratum: string;
  tags: HardTag[];
  embedding: ArrayLike<number> | undefined;
}

function topLabel(ds: readonly Detection[] | undefined): string | undefined {
  let best: Detection | undefined;
  const list: readonly Detection[] = Array.isArray(ds) ? ds : [];
  for (const d of list) if (usable(d) && (!best || d.score > best.score)) best = d;
  return best?.label;
}

function prepare(frames: readonly QaFrame[], options: QaOptions, problems: string[]): Prepared[] {
  const seen = new Set<string>();
  const sorted = frames
    .filter((f) => !!f && typeof f.frameId === 'string')
    .slice()
    .sort((a, b) => (a.frameId < b.frameId ? -1 : a.frameId > b.frameId ? 1 : 0));
  if (sorted.length < frames.length)
    problems.push(`${frames.length - sorted.length} frame(s) without a frameId ignored`);
  let dim: number | undefined;
  const out: Prepared[] = [];
  for (const frame of sorted) {
    if (seen.has(frame.frameId)) {
      problems.push(`frame ${frame.frameId} appears more than once; the first is used`);
      continue;
    }
    seen.add(frame.frameId);
    const okHour = Number.isInteger(frame.hour) && frame.hour >= 0 && frame.hour <= 23;
    if (!okHour) problems.push(`frame ${frame.frameId}: hour ${frame.hour} is not 0–23`);
    const cls = topLabel(frame.cloud) ?? topLabel(frame.edge) ?? 'none';
    const stratum = `${frame.camera}|${cls}|${okHour ? frame.hour : '?'}`;
    let embedding = frame.embedding;
    if (embedding !== undefined) {
      dim ??= embedding.length;
      let finite = embedding.length > 0;
      for (let i = 0; i < embedding.length && finite; i++) finite = Number.isFinite(embedding[i]);
      if (embedding.length !== dim || !finite) {
        problems.push(`frame ${frame.frameId}: embedding unusable (length or non-finite values)`);
        embedding = undefined;
      }
    }
    out.push({ frame, stratum, tags: hardTags(frame, options), embedding });
  }
  return out;
}

function sampleOf(p: Prepared, reason: PickReason): QaSample {
  return {
    frameId: p.frame.frameId,
    camera: p.frame.camera,
    capturedAt: p.frame.capturedAt,
    stratum: p.stratum,
    reason,
    tags: p.tags,
  };
}

/** Size-weighted sampling without replacement (Efraimidis–Spirakis keys u^(1/w)). */
function weightedPick(weights: readonly number[], k: number, random: Random): number[] {
  return weights
    .map((w, i) => ({ i, key: Math.pow(random(), 1 / w) }))
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .slice(0, k)
    .map((e) => e.i);
}

export function sampleBatch(
  frames: readonly QaFrame[],
  options: QaOptions = DEFAULT_QA_OPTIONS,
): QaSampleResult {
  const problems: string[] = [];
  const all = prepare(Array.isArray(frames) ? frames : [], options, problems);
  const N = all.length;
  const n = sampleSize(N, options);
  const picked = new Set<Prepared>();
  const samples: QaSample[] = [];
  const pick = (p: Prepared, reason: PickReason) => {
    picked.add(p);
    samples.push(sampleOf(p, reason));
  };

  // 1. Hard examples, round-robin over tags.
  const byTag = new Map<HardTag, Prepared[]>(HARD_TAGS.map((t) => [t, []]));
  for (const p of all) if (p.tags[0]) byTag.get(p.tags[0])?.push(p);
  const hardAvailable = Object.fromEntries(
    HARD_TAGS.map((t) => [t, byTag.get(t)?.length ?? 0]),
  ) as Record<HardTag, number>;
  const hardTotal = HARD_TAGS.reduce((a, t) => a + hardAvailable[t], 0);
  const share = Number.isFinite(options.hardShare)
    ? Math.min(1, Math.max(0, options.hardShare))
    : 0;
  const nHard = Math.min(hardTotal, Math.floor(share * n));
  const hardRandom = streamFor(options.seed, 'hard');
  const queues = HARD_TAGS.map((t) => shuffled(byTag.get(t) ?? [], hardRandom));
  for (let round = 0; picked.size < nHard; round++)
    for (const [k, q] of queues.entries()) {
      const p = q[round];
      if (p && picked.size < nHard) pick(p, HARD_TAGS[k] as HardTag);
    }

  // 2. Diversity: farthest points from what is already picked.
  const rest = n - picked.size;
  const dShare = Number.isFinite(options.diversityShare)
    ? Math.min(1, Math.max(0, options.diversityShare))
    : 0;
  const pool = all.filter((p) => !picked.has(p) && p.embedding !== undefined);
  const nDiverse = Math.min(pool.length, Math.floor(dShare * rest));
  if (nDiverse > 0) {
    const pre = [...picked].flatMap((p) => (p.embedding ? [p.embedding] : []));
    const start = Math.floor(streamFor(options.seed, 'diversity')() * pool.length);
    const idx = farthestPointSample(
      pool.map((p) => p.embedding as ArrayLike<number>),
      nDiverse,
      { metric: options.metric, start, preselected: pre },
    );
    for (const i of idx) pick(pool[i] as Prepared, 'diversity');
  }

  // 3. Stratified over what is left.
  const nStrat = n - picked.size;
  const strata = new Map<string, Prepared[]>();
  for (const p of all)
    if (!picked.has(p)) {
      const list = strata.get(p.stratum);
      if (list) list.push(p);
      else strata.set(p.stratum, [p]);
    }
  if (nStrat > 0 && strata.size > 0) {
    const keys = [...strata.keys()].sort();
    const sizes = keys.map((k) => strata.get(k)?.length ?? 0);
    const random = streamFor(options.seed, 'stratified');
    let quotas: number[];
    if (nStrat >= keys.length) quotas = allocateAtLeastOne(nStrat, sizes);
    else {
      quotas = keys.map(() => 0);
      for (const i of weightedPick(sizes, nStrat, random)) quotas[i] = 1;
    }
    keys.forEach((key, i) => {
      const members = shuffled(strata.get(key) ?? [], random);
      for (const p of members.slice(0, quotas[i] ?? 0)) pick(p, 'stratified');
    });
  }

  const allStrata = new Set(all.map((p) => p.stratum));
  const covered = new Set(samples.map((s) => s.stratum));
  const count = (r: PickReason[]) => samples.filter((s) => r.includes(s.reason)).length;
  return {
    samples,
    counts: {
      frames: N,
      n,
      hard: count(['audit-miss', 'disagreement', 'near-threshold']),
      diversity: count(['diversity']),
      stratified: count(['stratified']),
    },
    hardAvailable,
    strata: { total: allStrata.size, covered: covered.size },
    problems,
  };
}
