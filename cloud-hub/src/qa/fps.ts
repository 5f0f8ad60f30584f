// Farthest-point sampling: repeatedly take the point whose distance to everything already chosen
// is largest, so a few picks span the embedding space (unusual scenes, lighting, weather).
// Deterministic: ties go to the lowest index; the first point comes from `start` when nothing
// is preselected.

export type Metric = 'cosine' | 'l2';

/** Cosine distance 1 − cos(a, b) in 0..2; a zero vector is at distance 1 from everything. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

export function l2Distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return Math.sqrt(s);
}

export interface FpsOptions {
  metric: Metric;
  /** Index of the first pick when `preselected` is empty (e.g. drawn from the seed). */
  start: number;
  /** Points already in the sample: distances start from them, and none of them is picked again. */
  preselected?: readonly ArrayLike<number>[];
}

/** Indices of up to k points of `vectors`, in pick order. */
export function farthestPointSample(
  vectors: readonly ArrayLike<number>[],
  k: number,
  options: FpsOptions,
): number[] {
  const n = vectors.length;
  const want = Math.min(n, Math.max(0, Math.floor(k)));
  if (want === 0) return [];
  const dist = options.metric === 'l2' ? l2Distance : cosineDistance;
  const minDist = new Float64Array(n).fill(Infinity);
  const picked = new Uint8Array(n);
  const order: number[] = [];
  const take = (v: ArrayLike<number>) => {
    for (let i = 0; i < n; i++)
      if (!picked[i]) {
        const d = dist(v, vectors[i] as ArrayLike<number>);
        if (d < (minDist[i] as number)) minDist[i] = d;
      }
  };
  for (const p of options.preselected ?? []) take(p);
  if (!options.preselected?.length) {
    const s = Math.min(n - 1, Math.max(0, Math.floor(options.start) || 0));
    picked[s] = 1;
    order.push(s);
    take(vectors[s] as ArrayLike<number>);
  }
  while (order.length < want) {
    let best = -1;
    let bestD = -Infinity;
    for (let i = 0; i < n; i++)
      if (!picked[i] && (minDist[i] as number) > bestD) {
        best = i;
        bestD = minDist[i] as number;
      }
    if (best < 0) break;
    picked[best] = 1;
    order.push(best);
    take(vectors[best] as ArrayLike<number>);
  }
  return order;
}
