// The pure parts of the per-frame path: which decoded frames are sampled, the grey conversion,
// and frame ids. Expected values are worked out by hand.
import { describe, expect, it } from 'vitest';
import { FRAME_ID_PATTERN } from '../../../shared/src/blob/keys.ts';
import { frameIdFor } from '../../../edge-agent/src/pipeline/frame-id.ts';
import { FrameSkipper } from '../../../edge-agent/src/pipeline/frame-skipper.ts';
import { grayStep, rgbToGray } from '../../../edge-agent/src/pipeline/gray.ts';

/** Runs a skipper over `n` frames at `fps` with a fixed interval; returns the sampled times. */
function sampledTimes(fps: number, n: number, intervalAt: (t: number) => number): number[] {
  const s = new FrameSkipper(fps);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / fps;
    if (!s.due(t)) continue;
    out.push(t);
    s.sampled(t, intervalAt(t));
  }
  return out;
}

describe('FrameSkipper (decode at max_fps, sample at the current interval)', () => {
  it('takes every 2nd frame of a 4 fps decode at 2 fps', () => {
    expect(sampledTimes(4, 9, () => 0.5)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('takes every frame when the interval equals the decode rate', () => {
    expect(sampledTimes(4, 5, () => 0.25)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('keeps the mean rate for an interval off the decode grid (1.5 fps from 4 fps)', () => {
    // Due times 0, 0.667, 1.333, 2, 2.667, 3.333, 4 → nearest frames within half a frame (0.125 s).
    const got = sampledTimes(4, 17, () => 1 / 1.5);
    expect(got).toEqual([0, 0.75, 1.25, 2, 2.75, 3.25, 4]);
  });

  it('follows a rate change at once (1 fps, then 4 fps from t = 2)', () => {
    expect(sampledTimes(4, 13, (t) => (t >= 2 ? 0.25 : 1))).toEqual([0, 1, 2, 2.25, 2.5, 2.75, 3]);
  });
});

describe('rgbToGray', () => {
  it('uses BT.601 weights (77, 150, 29)/256', () => {
    // Pure red, green, blue and white pixels: 255·77>>8 = 76, 255·150>>8 = 149, 255·29>>8 = 28, 255.
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    const g = rgbToGray(rgb, 4, 1);
    expect([g.width, g.height]).toEqual([4, 1]);
    expect([...g.data]).toEqual([76, 149, 28, 255]);
  });

  it('decimates by the step, keeping the top-left pixel of each block', () => {
    const rgb = new Uint8Array(4 * 2 * 3);
    for (let i = 0; i < 8; i++) rgb.fill(i * 10, i * 3, i * 3 + 3);
    const g = rgbToGray(rgb, 4, 2, 2);
    expect([g.width, g.height]).toEqual([2, 1]);
    expect([...g.data]).toEqual([0, 20]);
  });

  it('refuses a truncated frame', () => {
    expect(() => rgbToGray(new Uint8Array(10), 4, 1)).toThrow(/needs 12 bytes, got 10/);
  });

  it('never decimates below 360 rows', () => {
    expect(grayStep(270)).toBe(1);
    expect(grayStep(576)).toBe(1);
    expect(grayStep(1080)).toBe(3);
    expect(grayStep(2160)).toBe(6);
  });
});

describe('frameIdFor', () => {
  it('builds {camera}-{ms}-{seq}, valid as a blob key stem', () => {
    const id = frameIdFor('dock-door_3', Date.UTC(2026, 10, 27, 10), 7);
    expect(id).toBe('dock-door_3-1795773600000-7');
    expect(FRAME_ID_PATTERN.test(id)).toBe(true);
  });

  it('refuses a camera id that would break the key rule', () => {
    expect(() => frameIdFor('bad.cam', 0, 0)).toThrow(/frame id "bad\.cam-0-0"/);
  });
});
