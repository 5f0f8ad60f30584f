// Motion on hand-made frames whose changed area is worked out on paper.
//
// Frames are 320×180, the analysis size, so nothing is resampled (N = 57 600 pixels). The grey
// background is 60, squares are 200: a difference of 140. The 3×3 box blur spreads a square's edge
// by one pixel: the ring just outside an edge gets 140 / 3 ≈ 46.7 (> threshold 25, counted), the
// four pixels diagonally off the corners get 140 / 9 ≈ 15.6 (not counted), every pixel inside
// differs by at least 140 × 4 / 9 ≈ 62. So an S×S square changes exactly (S + 2)² − 4 pixels,
// and the 3×3 dilation makes its box one pixel wider again: [x − 2, y − 2, x + S + 2, y + S + 2].
import { describe, expect, it } from 'vitest';
import { GateInputError } from '../../../edge-agent/src/gate/gray-frame.ts';
import { MotionDetector, motionConfigFor } from '../../../edge-agent/src/gate/motion-detector.ts';
import type { MotionConfig } from '../../../edge-agent/src/gate/motion-detector.ts';
import { frameWith } from './synthetic.ts';
import type { Square } from './synthetic.ts';

const W = 320;
const H = 180;
const N = W * H;
const BG = 60;
const FG = 200;
const CONFIG: MotionConfig = {
  threshold: 25,
  min_area: 0.002,
  global_change: 0.6,
  learning_rate: 0.05,
  masks: [],
};
/** Contrast normalisation off so that the threshold is exactly the configured one. */
const EXACT = { improveContrast: false };

const changedPixels = (s: number) => (s + 2) ** 2 - 4;
const expectedBox = (q: Square) => [
  (q.x - 2) / W,
  (q.y - 2) / H,
  (q.x + q.size + 2) / W,
  (q.y + q.size + 2) / H,
];

function expectBoxes(actual: number[][], expected: number[][]) {
  expect(actual).toHaveLength(expected.length);
  const sort = (bs: number[][]) => [...bs].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  sort(actual).forEach((b, i) =>
    b.forEach((v, k) => expect(v).toBeCloseTo(sort(expected)[i]?.[k] ?? NaN, 9)),
  );
}

describe('MotionDetector on a moving square', () => {
  const cases = [
    { size: 40, motion: true, note: 'a large square' },
    { size: 12, motion: true, note: 'a small object: 192 px = 0.33 % of the frame' },
    { size: 6, motion: false, note: '60 px = 0.10 % of the frame, below min_area 0.2 %' },
  ];
  it.each(cases)('size $size: $note', ({ size, motion }) => {
    const det = new MotionDetector(CONFIG, EXACT);
    expect(det.detect(frameWith(W, H, BG), 0).motion).toBe(false); // seeds the background
    for (let k = 0; k < 3; k++) {
      // Moves right by more than its own size each frame, so positions never overlap.
      const q = { x: 30 + k * (size + 20), y: 50, size, value: FG };
      const r = det.detect(frameWith(W, H, BG, [q]), 0.5 * (k + 1));
      expect(r.score).toBeCloseTo(changedPixels(size) / N, 12);
      expect(r.motion).toBe(motion);
      expect(r.globalChange).toBe(false);
      expectBoxes(r.boxes, [expectedBox(q)]);
    }
  });

  it('drops a speck smaller than the noise floor (3×3 px: 21 changed px < 0.05 % of 57 600)', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    const r = det.detect(frameWith(W, H, BG, [{ x: 100, y: 100, size: 3, value: FG }]), 0.5);
    expect(r).toMatchObject({ motion: false, score: 0, boxes: [] });
  });

  it('joins two squares 3 px apart into one box, keeps squares 20 px apart separate', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    // 3 px gap: the blurred rings leave one unchanged column, which the dilation bridges.
    const a = { x: 40, y: 40, size: 10, value: FG };
    const b = { x: 53, y: 40, size: 10, value: FG };
    const near = det.detect(frameWith(W, H, BG, [a, b]), 0.5);
    expect(near.score).toBeCloseTo((2 * changedPixels(10)) / N, 12);
    expectBoxes(near.boxes, [[38 / W, 38 / H, 65 / W, 52 / H]]);

    const c = { x: 140, y: 100, size: 10, value: FG };
    const d = { x: 170, y: 100, size: 10, value: FG };
    const far = det.detect(frameWith(W, H, BG, [c, d]), 1);
    expectBoxes(far.boxes, [expectedBox(c), expectedBox(d)]);
  });

  it('downscales a larger source: a 640×360 frame with a 40 px square reads as 20 px at 320×180', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(640, 360, BG), 0);
    // Aligned to even pixels, the area average maps the square onto exactly 20×20 pixels.
    const r = det.detect(frameWith(640, 360, BG, [{ x: 100, y: 100, size: 40, value: FG }]), 0.5);
    expect(r.score).toBeCloseTo(changedPixels(20) / N, 12);
    expectBoxes(r.boxes, [expectedBox({ x: 50, y: 50, size: 20, value: FG })]);
  });
});

describe('MotionDetector lighting guard', () => {
  it('reports a global brightness step as globalChange with no motion, then sees motion again', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    // Lights on: every pixel +60, far above the threshold and beyond the exposure compensation.
    const step = det.detect(frameWith(W, H, 120), 0.5);
    expect(step).toMatchObject({ globalChange: true, motion: false, score: 0, boxes: [] });
    // The new brightness is the background now: a square on it is measured exactly.
    const q = { x: 100, y: 60, size: 20, value: 250 };
    const after = det.detect(frameWith(W, H, 120, [q]), 1);
    expect(after.globalChange).toBe(false);
    // 130 grey levels of difference: the same ring geometry as 140 (130 / 3 > 25 > 130 / 9).
    expect(after.score).toBeCloseTo(changedPixels(20) / N, 12);
    expect(after.motion).toBe(true);
  });

  it('takes auto-exposure steps of 15 % a frame without reporting motion', () => {
    // A textured scene (values 80..239) darkened 15 % per frame: bright pixels move by up to 36
    // levels per step, well over the threshold. The first step is within the ±25 % exposure
    // compensation; the second (28 % in all) is a global change; neither is motion.
    const texture = (x: number, y: number) => 80 + ((x * 7 + y * 13) % 160);
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, texture), 0);
    const seen = [1, 2, 3, 4].map((k) =>
      det.detect(
        frameWith(W, H, (x, y) => Math.round(texture(x, y) * 0.85 ** k)),
        k * 0.5,
      ),
    );
    expect(seen.map((r) => r.motion)).toEqual([false, false, false, false]);
    expect(seen[0]?.globalChange).toBe(false);
  });
});

describe('MotionDetector masks', () => {
  // Left half of the frame ignored.
  const config = { ...CONFIG, masks: [[0, 0, 0.5, 0, 0.5, 1, 0, 1]] };

  it('reports nothing for a square moving inside the mask', () => {
    const det = new MotionDetector(config, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    for (let k = 0; k < 3; k++) {
      const r = det.detect(
        frameWith(W, H, BG, [{ x: 20 + k * 40, y: 60, size: 20, value: FG }]),
        0.5 * (k + 1),
      );
      expect(r).toMatchObject({ motion: false, score: 0, boxes: [] });
    }
  });

  it('still measures a square outside the mask exactly', () => {
    const det = new MotionDetector(config, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    const q = { x: 220, y: 60, size: 20, value: FG };
    const r = det.detect(frameWith(W, H, BG, [q]), 0.5);
    expect(r.score).toBeCloseTo(changedPixels(20) / N, 12);
    expectBoxes(r.boxes, [expectedBox(q)]);
  });

  it('takes the camera-wide masks as well as the motion-only ones', () => {
    const merged = motionConfigFor({
      motion: { ...CONFIG, masks: [[0, 0, 0.1, 0, 0.1, 0.1]] },
      masks: [[0, 0, 0.5, 0, 0.5, 1, 0, 1]],
    });
    const det = new MotionDetector(merged, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    const r = det.detect(frameWith(W, H, BG, [{ x: 60, y: 60, size: 20, value: FG }]), 0.5);
    expect(r.motion).toBe(false);
  });
});

describe('MotionDetector with things that stop moving', () => {
  // stillSeconds defaults to 1.5: a blob with no frame-to-frame change for longer is learnt.
  it('reports a parked object while it arrives, then goes quiet after 1.5 s without change', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    const parked = frameWith(W, H, BG, [{ x: 100, y: 60, size: 30, value: FG }]);
    // Appears at 0.5 s; still moving at 2.0 s (1.5 s since the change), learnt at 2.5 s.
    const seen = [0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((t) => det.detect(parked, t).motion);
    expect(seen).toEqual([true, true, true, true, false, false, false]);
  });

  it('reports the gap an object leaves only briefly', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    const parked = frameWith(W, H, BG, [{ x: 100, y: 60, size: 30, value: FG }]);
    const empty = frameWith(W, H, BG);
    det.detect(parked, 0); // the object is part of the background from the start
    // It leaves at 0.5 s: the uncovered floor differs from the background until it is learnt.
    const seen = [0.5, 1, 1.5, 2, 2.5, 3].map((t) => det.detect(empty, t).motion);
    expect(seen).toEqual([true, true, true, true, false, false]);
  });
});

describe('MotionDetector contrast normalisation', () => {
  // A dim, flat scene: a gradient 100..119 across the frame (4th..96th percentile range ≈ 18, so
  // the gain hits its cap of 4). A square 15 levels brighter stays under threshold 25 on its own;
  // scaled by 4 it differs by 60 inside, while the blurred ring (5 × 4 = 20) stays under.
  const dim = (x: number) => 100 + Math.floor((x * 20) / W);
  const brighter = (q: Square) => (x: number, y: number) =>
    x >= q.x && x < q.x + q.size && y >= q.y && y < q.y + q.size ? dim(x) + 15 : dim(x);
  const q = { x: 100, y: 60, size: 20, value: 0 };

  it('finds a faint object in a dim scene when on (exactly its own 400 px)', () => {
    const det = new MotionDetector(CONFIG, { improveContrast: true });
    det.detect(frameWith(W, H, dim), 0);
    const r = det.detect(frameWith(W, H, brighter(q)), 0.5);
    expect(r.score).toBeCloseTo(400 / N, 12);
    expect(r.motion).toBe(true);
  });

  it('misses it when off', () => {
    const det = new MotionDetector(CONFIG, { improveContrast: false });
    det.detect(frameWith(W, H, dim), 0);
    expect(det.detect(frameWith(W, H, brighter(q)), 0.5).motion).toBe(false);
  });
});

describe('MotionDetector bad input', () => {
  it('rejects a frame whose bytes do not match its size, with the numbers', () => {
    const det = new MotionDetector(CONFIG);
    const bad = { width: 320, height: 180, data: new Uint8Array(100) };
    expect(() => det.detect(bad, 0)).toThrow(GateInputError);
    expect(() => det.detect(bad, 0)).toThrow('grey frame 320×180 needs 57600 bytes, got 100');
  });

  it('rejects a zero-sized frame and a non-finite time', () => {
    const det = new MotionDetector(CONFIG);
    expect(() => det.detect({ width: 0, height: 10, data: new Uint8Array(0) }, 0)).toThrow(
      'grey frame size must be positive integers, got 0×10',
    );
    expect(() => det.detect(frameWith(W, H, BG), Number.NaN)).toThrow(
      'frame time must be a finite number, got NaN',
    );
  });

  it('keeps working after a bad frame', () => {
    const det = new MotionDetector(CONFIG, EXACT);
    det.detect(frameWith(W, H, BG), 0);
    expect(() => det.detect({ width: 2, height: 2, data: new Uint8Array(3) }, 0.5)).toThrow();
    const q = { x: 100, y: 60, size: 20, value: FG };
    expect(det.detect(frameWith(W, H, BG, [q]), 1).score).toBeCloseTo(changedPixels(20) / N, 12);
  });
});
