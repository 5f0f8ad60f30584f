import { describe, expect, it } from 'vitest';
import { nms, nmsIndices } from '../../../shared/src/detection/nms.ts';
import type { BoxXYXY, Detection } from '../../../shared/src/detection/types.ts';

const det = (label: string, score: number, box: BoxXYXY): Detection => ({ label, score, box });

// Hand-worked scene. IoUs:
//   d0–d1: overlap 9×10 = 90, union 110 → 0.818
//   d0–d2: overlap 5×10 = 50, union 150 → 0.333
//   d1–d2: overlap 6×10 = 60, union 140 → 0.429
//   d0–d3: identical → 1 (but d3 is a car)
//   d4 is far from everything → 0
const d0 = det('person', 0.9, [0, 0, 10, 10]);
const d1 = det('person', 0.8, [1, 0, 11, 10]);
const d2 = det('person', 0.7, [5, 0, 15, 10]);
const d3 = det('car', 0.85, [0, 0, 10, 10]);
const d4 = det('person', 0.6, [20, 20, 30, 30]);
const scene = [d4, d2, d0, d3, d1]; // input order deliberately not by score

describe('nms on a hand-worked scene', () => {
  it('class-aware: keeps the car on top of the person, drops the shifted person', () => {
    // by score: d0 keep; d3 car, no other car → keep; d1 0.818 with d0 → drop;
    // d2 0.333 with d0 → keep; d4 → keep
    expect(nms(scene, { iouThreshold: 0.5 })).toEqual([d0, d3, d2, d4]);
  });

  it('class-agnostic: the car identical to the person is dropped too', () => {
    // d3 has IoU 1 with the kept d0 → drop
    expect(nms(scene, { iouThreshold: 0.5, classAware: false })).toEqual([d0, d2, d4]);
  });

  it('compares only with kept boxes (greedy)', () => {
    // At 0.4, d2 overlaps d1 by 0.429 but d1 was already dropped by d0, and d2–d0 is 0.333,
    // so d2 stays.
    expect(nms(scene, { iouThreshold: 0.4 })).toEqual([d0, d3, d2, d4]);
    // At 0.3, d2–d0 = 0.333 > 0.3 → d2 goes.
    expect(nms(scene, { iouThreshold: 0.3 })).toEqual([d0, d3, d4]);
  });

  it('suppresses only above the threshold, not at it', () => {
    // overlap 10×5 = 50, union 100 → IoU exactly 0.5
    const a = det('person', 0.9, [0, 0, 10, 10]);
    const b = det('person', 0.8, [0, 0, 10, 5]);
    expect(nms([a, b], { iouThreshold: 0.5 })).toEqual([a, b]);
    expect(nms([a, b], { iouThreshold: 0.49 })).toEqual([a]);
  });

  it('keeps the earlier input on equal scores, whatever the order', () => {
    const first = det('person', 0.5, [0, 0, 10, 10]);
    const second = det('person', 0.5, [0, 0, 10, 10]);
    expect(nms([first, second], { iouThreshold: 0.5 })[0]).toBe(first);
    expect(nms([second, first], { iouThreshold: 0.5 })[0]).toBe(second);
  });

  it('stops at maxDetections, keeping the highest scores', () => {
    expect(nms(scene, { iouThreshold: 0.5, maxDetections: 2 })).toEqual([d0, d3]);
    expect(nms(scene, { iouThreshold: 0.5, maxDetections: 0 })).toEqual([]);
  });

  it('drops boxes under scoreThreshold and boxes with a NaN score', () => {
    expect(nms(scene, { iouThreshold: 0.5, scoreThreshold: 0.75 })).toEqual([d0, d3]);
    const nan = det('person', Number.NaN, [40, 40, 50, 50]);
    expect(nms([nan, d4], { iouThreshold: 0.5 })).toEqual([d4]);
  });

  it('keeps empty boxes but never lets them suppress anything', () => {
    const point = det('person', 0.95, [5, 5, 5, 5]);
    const inverted = det('person', 0.99, [10, 10, 0, 0]);
    expect(nms([point, inverted, d0], { iouThreshold: 0 })).toEqual([inverted, point, d0]);
  });

  it('handles no input', () => {
    expect(nms([], { iouThreshold: 0.5 })).toEqual([]);
  });

  it.each([
    [{ iouThreshold: 1.5 }, /iouThreshold must be within 0..1, got 1.5/],
    [{ iouThreshold: -0.1 }, /iouThreshold/],
    [{ iouThreshold: Number.NaN }, /iouThreshold/],
    [{ iouThreshold: 0.5, maxDetections: -1 }, /maxDetections must be a non-negative integer/],
    [{ iouThreshold: 0.5, maxDetections: 2.5 }, /maxDetections/],
  ])('refuses options %j', (options, message) => {
    expect(() => nms(scene, options)).toThrow(message);
  });
});

describe('nmsIndices on flat arrays', () => {
  it('gives the same answer as the object form', () => {
    const boxes = new Float32Array(scene.flatMap((d) => d.box));
    const scores = new Float32Array(scene.map((d) => d.score));
    const classes = new Int32Array(scene.map((d) => (d.label === 'car' ? 2 : 0)));
    // scene indices: d4=0, d2=1, d0=2, d3=3, d1=4
    expect(Array.from(nmsIndices({ boxes, scores, classes }, { iouThreshold: 0.5 }))).toEqual([
      2, 3, 1, 0,
    ]);
    expect(
      Array.from(nmsIndices({ boxes, scores }, { iouThreshold: 0.5, classAware: false })),
    ).toEqual([2, 1, 0]);
  });

  it('refuses mismatched array lengths', () => {
    expect(() => nmsIndices({ boxes: [0, 0, 1], scores: [0.5] }, { iouThreshold: 0.5 })).toThrow(
      /4 box numbers per score: 3 for 1 scores/,
    );
    expect(() =>
      nmsIndices({ boxes: [0, 0, 1, 1], scores: [0.5], classes: [1, 2] }, { iouThreshold: 0.5 }),
    ).toThrow(/one class per score/);
  });
});

// Deterministic pseudo-random numbers (Numerical Recipes LCG), so failures reproduce.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Textbook greedy NMS, O(n²): the independent reference for the fast one. */
function referenceNms(dets: Detection[], thr: number, classAware: boolean): Detection[] {
  const order = dets.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i);
  const kept: Detection[] = [];
  for (const { d } of order) {
    const clash = kept.some((k) => {
      if (classAware && k.label !== d.label) return false;
      const [ax1, ay1, ax2, ay2] = k.box;
      const [bx1, by1, bx2, by2] = d.box;
      const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
      const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
      const inter = w * h;
      const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
      return inter > 0 && inter / union > thr;
    });
    if (!clash) kept.push(d);
  }
  return kept;
}

describe('nms at scale', () => {
  it('matches a brute-force greedy NMS on 1500 random boxes of mixed sizes', () => {
    const rnd = lcg(42);
    const labels = ['person', 'car', 'truck'];
    const dets: Detection[] = [];
    for (let i = 0; i < 1500; i++) {
      const x = rnd() * 1000;
      const y = rnd() * 1000;
      // mostly small boxes, some huge ones that span many grid cells
      const s = rnd() < 0.05 ? 300 + rnd() * 700 : 5 + rnd() * 40;
      const w = s * (0.5 + rnd());
      const h = s * (0.5 + rnd());
      // scores on a coarse grid so ties happen
      dets.push(det(labels[i % 3] ?? 'person', Math.round(rnd() * 50) / 50, [x, y, x + w, y + h]));
    }
    for (const thr of [0, 0.3, 0.5, 0.7]) {
      expect(nms(dets, { iouThreshold: thr })).toEqual(referenceNms(dets, thr, true));
      expect(nms(dets, { iouThreshold: thr, classAware: false })).toEqual(
        referenceNms(dets, thr, false),
      );
    }
  });

  it('handles 100 000 detections: 50 000 overlapping pairs keep exactly the better of each', () => {
    // Pair k: A = [x, y, x+10, y+10] and B shifted 1 px right (IoU 90/110 = 0.818), pairs 20 px
    // apart so no two pairs touch. A always scores higher, so NMS keeps exactly the 50 000 As.
    const rnd = lcg(7);
    const n = 50_000;
    const boxes = new Float32Array(n * 2 * 4);
    const scores = new Float32Array(n * 2);
    const classes = new Int32Array(n * 2);
    for (let k = 0; k < n; k++) {
      const x = (k % 250) * 20;
      const y = Math.floor(k / 250) * 20;
      const a = 2 * k;
      const b = a + 1;
      boxes.set([x, y, x + 10, y + 10], a * 4);
      boxes.set([x + 1, y, x + 11, y + 10], b * 4);
      scores[a] = 0.5 + rnd() * 0.5;
      scores[b] = (scores[a] ?? 0) - 0.25;
      classes[a] = k % 80;
      classes[b] = k % 80;
    }
    const keptAware = nmsIndices({ boxes, scores, classes }, { iouThreshold: 0.5 });
    expect(keptAware.length).toBe(n);
    expect(keptAware.every((i) => i % 2 === 0)).toBe(true);

    // Give every B another class: class-aware now keeps all 100 000, agnostic still 50 000.
    for (let k = 0; k < n; k++) classes[2 * k + 1] = ((classes[2 * k] ?? 0) + 1) % 80;
    expect(nmsIndices({ boxes, scores, classes }, { iouThreshold: 0.5 }).length).toBe(2 * n);
    expect(
      nmsIndices({ boxes, scores, classes }, { iouThreshold: 0.5, classAware: false }).length,
    ).toBe(n);

    // maxDetections keeps the top scores: the 100 best As.
    const top = nmsIndices(
      { boxes, scores, classes },
      { iouThreshold: 0.5, classAware: false, maxDetections: 100 },
    );
    const bestAs = Array.from({ length: n }, (_, k) => 2 * k)
      .sort((p, q) => (scores[q] ?? 0) - (scores[p] ?? 0) || p - q)
      .slice(0, 100);
    expect(Array.from(top)).toEqual(bestAs);
  });
});
