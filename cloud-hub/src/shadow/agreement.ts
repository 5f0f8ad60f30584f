// Agreement between two models' boxes on the same frames, per class. Pure.
//
// Rule: within a class, boxes are matched greedily, highest-IoU pair first, each box at most
// once, when IoU ≥ 0.5. matched = pairs; union = production + candidate − matched (every
// distinct object either model reported); agreement = matched / union (1 when both are empty).
import { iou } from '@pretag/shared/detection/iou';
import type { LabelledBox } from '../quality/ground-truth.ts';

export interface ClassAgreement {
  class: string;
  production: number;
  candidate: number;
  matched: number;
  union: number;
  agreement: number | null;
}

/** Matched pairs within one class. */
export function matchCount(
  a: readonly LabelledBox[],
  b: readonly LabelledBox[],
  minIou = 0.5,
): number {
  const pairs: [number, number, number][] = [];
  a.forEach((x, i) =>
    b.forEach((y, j) => {
      const v = iou(x.box, y.box);
      if (v >= minIou) pairs.push([v, i, j]);
    }),
  );
  pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let n = 0;
  for (const [, i, j] of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    n++;
  }
  return n;
}

/** Per class counts on one frame. */
export function frameAgreement(
  production: readonly LabelledBox[],
  candidate: readonly LabelledBox[],
  minIou = 0.5,
): ClassAgreement[] {
  const classes = [...new Set([...production, ...candidate].map((d) => d.label))].sort();
  return classes.map((c) => {
    const p = production.filter((d) => d.label === c);
    const q = candidate.filter((d) => d.label === c);
    const matched = matchCount(p, q, minIou);
    const union = p.length + q.length - matched;
    return {
      class: c,
      production: p.length,
      candidate: q.length,
      matched,
      union,
      agreement: union ? matched / union : null,
    };
  });
}

/** Sums per-frame counts by class and adds an 'all' row. */
export function sumAgreement(frames: readonly ClassAgreement[][]): ClassAgreement[] {
  const by = new Map<string, ClassAgreement>();
  const total: ClassAgreement = {
    class: 'all',
    production: 0,
    candidate: 0,
    matched: 0,
    union: 0,
    agreement: null,
  };
  for (const f of frames)
    for (const c of f) {
      let s = by.get(c.class);
      if (!s) by.set(c.class, (s = { ...c, production: 0, candidate: 0, matched: 0, union: 0 }));
      for (const t of [s, total]) {
        t.production += c.production;
        t.candidate += c.candidate;
        t.matched += c.matched;
        t.union += c.union;
      }
    }
  return [...[...by.values()].sort((a, b) => (a.class < b.class ? -1 : 1)), total].map((c) => ({
    ...c,
    agreement: c.union ? c.matched / c.union : null,
  }));
}
