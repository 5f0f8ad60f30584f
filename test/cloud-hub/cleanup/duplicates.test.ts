import { describe, expect, it } from 'vitest';
import { suppressCrossClass } from '../../../cloud-hub/src/cleanup/duplicates.ts';

/** Reference: greedy over the score order, compared with every kept box (no grid, O(n²)). */
function bruteForce(boxes: Float64Array, classes: Int32Array, order: Int32Array, t: number) {
  const kept: number[] = [];
  const iou = (i: number, j: number) => {
    const w =
      Math.min(boxes[i * 4 + 2]!, boxes[j * 4 + 2]!) - Math.max(boxes[i * 4]!, boxes[j * 4]!);
    const h =
      Math.min(boxes[i * 4 + 3]!, boxes[j * 4 + 3]!) -
      Math.max(boxes[i * 4 + 1]!, boxes[j * 4 + 1]!);
    if (w <= 0 || h <= 0) return 0;
    const area = (k: number) =>
      (boxes[k * 4 + 2]! - boxes[k * 4]!) * (boxes[k * 4 + 3]! - boxes[k * 4 + 1]!);
    return (w * h) / (area(i) + area(j) - w * h);
  };
  for (const i of order)
    if (!kept.some((j) => classes[j] !== classes[i] && iou(i, j) > t)) kept.push(i);
  return kept;
}

function scene(n: number, seed: number) {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const boxes = new Float64Array(n * 4);
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    classes[i] = Math.floor(rnd() * 3);
    if (i > 0 && rnd() < 0.5) {
      // A relabelled near-copy of an earlier box: IoU spread over roughly 0.8–1.
      const j = Math.floor(rnd() * i);
      const [x1, y1, x2, y2] = Array.from(boxes.subarray(j * 4, j * 4 + 4));
      const amp = rnd() * 0.12;
      const d = () => (rnd() - 0.5) * amp * (x2! - x1!);
      boxes.set([x1! + d(), y1! + d(), x2! + d(), y2! + d()], i * 4);
      continue;
    }
    // Clustered objects with jitter so many pairs sit near every threshold; a few huge boxes.
    const big = rnd() < 0.02;
    const w = big ? 300 + rnd() * 300 : 10 + rnd() * 40;
    const h = big ? 300 + rnd() * 300 : 10 + rnd() * 40;
    const x = Math.floor(rnd() * 20) * 30 + rnd() * 3;
    const y = Math.floor(rnd() * 20) * 30 + rnd() * 3;
    boxes.set([x, y, x + w * (1 + rnd() * 0.1), y + h * (1 + rnd() * 0.1)], i * 4);
  }
  const order = Int32Array.from({ length: n }, (_, i) => i); // already "by score"
  return { boxes, classes, order };
}

describe('suppressCrossClass agrees with a brute-force greedy pass', () => {
  it.each([0.3, 0.5, 0.7, 0.9, 0.95, 0.99])('IoU threshold %f on 1500 clustered boxes', (t) => {
    const { boxes, classes, order } = scene(1500, 11);
    const expected = bruteForce(boxes, classes, order, t);
    expect(expected.length).toBeLessThan(1500 - 20); // the threshold has work to do
    expect(Array.from(suppressCrossClass(boxes, classes, order, t))).toEqual(expected);
  });
});
