// Novelty against the last uploaded frame. Grey frames are 64 × 32 (2,048 pixels), which is
// already thumbnail size, so pixel differences can be worked out by hand:
//   an 8 × 8 block changed by 100 grey levels: 64 × 100 / 2048 / 255 = 0.01225  (< 0.02)
//   a 16 × 8 block changed by 100:            128 × 100 / 2048 / 255 = 0.02451  (> 0.02)
// Box IoUs: a 100 × 200 box shifted right by 5 px keeps 95 × 200 = 19,000 of 21,000 → 0.905;
// shifted by 10 px: 18,000 / 22,000 → 0.818.
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import { describe, expect, it } from 'vitest';
import { sameDetections } from '../../../edge-agent/src/decide/detection-match.ts';
import { NoveltyTracker } from '../../../edge-agent/src/decide/novelty.ts';
import { pixelDifference, thumbnail } from '../../../edge-agent/src/decide/thumbnail.ts';
import type { GrayFrame } from '../../../edge-agent/src/gate/gray-frame.ts';

const SETTINGS = {
  iou: 0.85,
  pixel_diff: 0.02,
  keepalive_s: 60,
  min_gap_s: 4,
  presence_score: 0.2,
  presence_s: 4,
};

/** A 64 × 32 frame at grey 100 with an optional w × h block at grey 200 from (x, y). */
function gray(block?: { x: number; y: number; w: number; h: number }): GrayFrame {
  const data = new Uint8Array(64 * 32).fill(100);
  if (block)
    for (let y = block.y; y < block.y + block.h; y++)
      for (let x = block.x; x < block.x + block.w; x++) data[y * 64 + x] = 200;
  return { width: 64, height: 32, data };
}
const person = (box: BoxXYXY, score = 0.9): Detection => ({ label: 'person', score, box });
const P = person([100, 100, 200, 300]);

describe('pixelDifference of thumbnails', () => {
  it.each([
    ['identical frames', undefined, 0],
    ['an 8 × 8 block changed by 100', { x: 0, y: 0, w: 8, h: 8 }, 6400 / 2048 / 255],
    ['a 16 × 8 block changed by 100', { x: 10, y: 10, w: 16, h: 8 }, 12800 / 2048 / 255],
  ])('%s', (_name, block, want) => {
    expect(pixelDifference(thumbnail(gray()), thumbnail(gray(block)))).toBeCloseTo(want, 9);
  });

  it('a 1280 × 720 frame becomes a 57 × 32 thumbnail (aspect kept, 1280 × 32 / 720 = 56.9)', () => {
    const t = thumbnail({ width: 1280, height: 720, data: new Uint8Array(1280 * 720) });
    expect([t.width, t.height]).toEqual([57, 32]);
  });

  it('frames of different sizes differ completely', () => {
    const small = thumbnail({ width: 32, height: 16, data: new Uint8Array(512).fill(100) });
    expect(pixelDifference(thumbnail(gray()), small)).toBe(1);
  });

  it('refuses a frame whose data does not match its size', () => {
    expect(() => thumbnail({ width: 64, height: 32, data: new Uint8Array(10) })).toThrow(
      'grey frame 64×32 needs 2048 bytes, got 10',
    );
  });
});

describe('sameDetections', () => {
  const car = (box: BoxXYXY): Detection => ({ label: 'car', score: 0.8, box });
  it.each<[string, Detection[], Detection[], boolean]>([
    ['nothing and nothing', [], [], true],
    ['the same box, another score', [P], [person([100, 100, 200, 300], 0.5)], true],
    ['shifted 5 px: IoU 0.905', [P], [person([105, 100, 205, 300])], true],
    ['shifted 10 px: IoU 0.818', [P], [person([110, 100, 210, 300])], false],
    ['same box, other class', [P], [car([100, 100, 200, 300])], false],
    ['one more person', [P], [P, person([400, 100, 500, 300])], false],
    [
      'two people listed in the other order',
      [P, person([400, 100, 500, 300])],
      [person([402, 100, 502, 300]), person([101, 100, 201, 300])],
      true,
    ],
    [
      'a person and a car vs two people',
      [P, car([400, 100, 500, 300])],
      [P, person([400, 100, 500, 300])],
      false,
    ],
  ])('%s -> %s', (_name, a, b, want) => {
    expect(sameDetections(a, b, 0.85)).toBe(want);
    expect(sameDetections(b, a, 0.85)).toBe(want);
  });

  it('greedy matching pairs best first, so a near neighbour cannot steal a match', () => {
    // A = [0,0,100,200], B = [10,0,110,200]; next frame both moved 2 px right (A', B').
    // IoU(A, A') = IoU(B, B') = 19,600 / 20,400 = 0.961; IoU(B, A') = 18,400 / 21,600 = 0.852
    // (also ≥ 0.85); IoU(A, B') = 17,600 / 22,400 = 0.786. Taking B's first match (A') would
    // leave A with B' only (0.786) and fail; best pairs first gives A-A' and B-B'.
    const a = [person([10, 0, 110, 200]), person([0, 0, 100, 200])];
    const b = [person([2, 0, 102, 200]), person([12, 0, 112, 200])];
    expect(sameDetections(a, b, 0.85)).toBe(true);
  });
});

describe('NoveltyTracker', () => {
  const still = thumbnail(gray());
  const check = (n: NoveltyTracker, dets: Detection[], frame: GrayFrame, t: number) =>
    n.check(dets, () => thumbnail(frame), t, SETTINGS).verdict;

  it('the first frame is always new', () => {
    expect(check(new NoveltyTracker(), [P], gray(), 0)).toBe('new');
  });

  it.each<[string, Detection[], GrayFrame, string]>([
    ['same box, same pixels', [P], gray(), 'near-copy'],
    [
      'box moved 5 px, 8 × 8 pixels changed',
      [person([105, 100, 205, 300])],
      gray({ x: 0, y: 0, w: 8, h: 8 }),
      'near-copy',
    ],
    ['box moved 10 px', [person([110, 100, 210, 300])], gray(), 'new'],
    ['same box, 16 × 8 pixels changed', [P], gray({ x: 0, y: 0, w: 16, h: 8 }), 'new'],
    ['a second person', [P, person([400, 100, 500, 300])], gray(), 'new'],
    ['the person left', [], gray(), 'new'],
  ])('after uploading one person: %s -> %s', (_name, dets, frame, want) => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 0);
    expect(check(n, dets, frame, 1)).toBe(want);
  });

  it('does not build a thumbnail when the detections already differ', () => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 0);
    let built = 0;
    const r = n.check([], () => (built++, still), 1, SETTINGS);
    expect(r).toEqual({ verdict: 'new', pixelDiff: undefined, sinceUploadS: 1 });
    expect(built).toBe(0);
  });

  it('keep-alive: a near-copy goes once 60 s have passed since the last upload', () => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 0);
    const verdicts: [number, string][] = [];
    for (const t of [10, 59.9, 60, 61, 119.9, 120]) {
      const v = check(n, [P], gray(), t);
      verdicts.push([t, v]);
      if (v !== 'near-copy') n.recordUpload([P], still, t);
    }
    expect(verdicts).toEqual([
      [10, 'near-copy'],
      [59.9, 'near-copy'],
      [60, 'keepalive'],
      [61, 'near-copy'],
      [119.9, 'near-copy'],
      [120, 'keepalive'],
    ]);
  });

  it('keepaliveDue only while objects were in view when the detector last ran', () => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 0);
    n.observe([P]);
    expect(n.keepaliveDue(59.9, SETTINGS)).toBe(false);
    expect(n.keepaliveDue(60, SETTINGS)).toBe(true);
    n.observe([]); // the person left
    expect(n.keepaliveDue(90, SETTINGS)).toBe(false);
  });

  it('a keep-alive is owed for objects in view even when the last upload had none, or before any', () => {
    // A person held back by the upload pacing, then standing still (gate closed), is still seen.
    const n = new NoveltyTracker();
    n.observe([P]);
    expect(n.keepaliveDue(0, SETTINGS)).toBe(true);
    n.recordUpload([], still, 0);
    expect(n.keepaliveDue(59.9, SETTINGS)).toBe(false);
    expect(n.keepaliveDue(60, SETTINGS)).toBe(true);
  });

  it('sinceUpload: seconds since the last content upload, Infinity before one or after the clock went back', () => {
    const n = new NoveltyTracker();
    expect(n.sinceUpload(3)).toBe(Infinity);
    n.recordUpload([P], still, 10);
    expect(n.sinceUpload(12.5)).toBe(2.5);
    expect(n.sinceUpload(9)).toBe(Infinity);
    n.reset();
    expect(n.sinceUpload(12.5)).toBe(Infinity);
  });

  it('after a reset, or when the clock goes back, a copy is new again', () => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 10);
    expect(check(n, [P], gray(), 5)).toBe('new');
    expect(check(n, [P], gray(), 11)).toBe('near-copy');
    n.reset();
    expect(check(n, [P], gray(), 12)).toBe('new');
  });

  it('pixel_diff 0 turns near-copy skipping off (no difference is below 0)', () => {
    const n = new NoveltyTracker();
    n.recordUpload([P], still, 0);
    expect(n.check([P], () => still, 1, { ...SETTINGS, pixel_diff: 0 }).verdict).toBe('new');
  });
});
