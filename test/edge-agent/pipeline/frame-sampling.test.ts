// The pure parts of the per-frame path: which decoded frames are sampled, the grey conversion,
// and frame ids. Expected values are worked out by hand.
import { describe, expect, it } from 'vitest';
import { FRAME_ID_PATTERN } from '../../../shared/src/blob/keys.ts';
import { frameIdFor } from '../../../edge-agent/src/pipeline/frame-id.ts';
import { FrameSkipper } from '../../../edge-agent/src/pipeline/frame-skipper.ts';
import { AnalysisGray, grayStep } from '../../../edge-agent/src/pipeline/gray.ts';

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

describe("AnalysisGray (RGB → the gate's grey frame in one pass)", () => {
  /** A grey RGB frame (r = g = b), so each pixel's luma is its value. */
  const greyRgb = (values: number[]) => new Uint8Array(values.flatMap((v) => [v, v, v]));

  it('uses BT.601 weights (77, 150, 29)/256 and keeps a frame already small enough', () => {
    // Pure red, green, blue and white pixels: 255·77>>8 = 76, 255·150>>8 = 149, 255·29>>8 = 28, 255.
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    const g = new AnalysisGray().from(rgb, 4, 1);
    expect([g.width, g.height]).toEqual([4, 1]);
    expect([...g.data]).toEqual([76, 149, 28, 255]);
  });

  it('area-averages onto the analysis rows, rounding half up', () => {
    // 4×2 onto 1 row → 2×1: (10+20+50+60)/4 = 35, (30+41+70+81)/4 = 55.5 → 56.
    const rgb = greyRgb([10, 20, 30, 41, 50, 60, 70, 81]);
    const g = new AnalysisGray(1).from(rgb, 4, 2);
    expect([g.width, g.height]).toEqual([2, 1]);
    expect([...g.data]).toEqual([35, 56]);
  });

  it('keeps every step-th pixel of a tall frame before averaging', () => {
    // 4×8 for 2 rows: step ⌊8 / 4⌋ = 2 keeps columns 0, 2 and rows 0, 2, 4, 6 (a 2×4 grid),
    // averaged onto 1×2: rows 0+2 and rows 4+6. Pixel value = 10·row + column.
    const values = Array.from({ length: 32 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
    const g = new AnalysisGray(2).from(greyRgb(values), 4, 8);
    expect([g.width, g.height]).toEqual([1, 2]);
    // (0 + 2 + 20 + 22)/4 = 11; (40 + 42 + 60 + 62)/4 = 51.
    expect([...g.data]).toEqual([11, 51]);
  });

  it('gives 320×180 for the test videos (768×432, 768×576 → 240 wide, 480×270)', () => {
    const g = new AnalysisGray();
    expect(g.from(new Uint8Array(768 * 432 * 3), 768, 432)).toMatchObject({
      width: 320,
      height: 180,
    });
    expect(g.from(new Uint8Array(768 * 576 * 3), 768, 576)).toMatchObject({
      width: 240,
      height: 180,
    });
    expect(g.from(new Uint8Array(480 * 270 * 3), 480, 270)).toMatchObject({
      width: 320,
      height: 180,
    });
  });

  it('matches luma-then-average by definition on colour frames of any width and alignment', () => {
    // The reference: BT.601 luma per kept pixel, then the mean of each cell rounded half up,
    // cells as in the gate's downscale (source i → cell ⌊i·out/in⌋).
    const reference = (rgb: Uint8Array, w: number, h: number, rows: number) => {
      const step = grayStep(h, 2 * rows);
      const [ws, hs] = [Math.floor(w / step), Math.floor(h / step)];
      const th = Math.min(rows, hs);
      const tw = hs <= rows ? ws : Math.max(1, Math.round((ws * rows) / hs));
      const sum = new Array<number>(tw * th).fill(0);
      const n = new Array<number>(tw * th).fill(0);
      for (let y = 0; y < hs; y++)
        for (let x = 0; x < ws; x++) {
          const i = (y * step * w + x * step) * 3;
          const luma = (77 * rgb[i]! + 150 * rgb[i + 1]! + 29 * rgb[i + 2]!) >> 8;
          const o =
            Math.min(th - 1, Math.floor((y * th) / hs)) * tw +
            Math.min(tw - 1, Math.floor((x * tw) / ws));
          sum[o]! += luma;
          n[o]!++;
        }
      return sum.map((s, o) => Math.floor(s / n[o]! + 0.5));
    };
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // Widths divisible by 4 or not, a tall frame (step 2), and pixels starting off a word boundary.
    for (const [w, h, rows, offset] of [
      [24, 10, 4, 0],
      [23, 10, 4, 0],
      [24, 10, 4, 1],
      [16, 40, 8, 0],
      [8, 3, 4, 0],
    ] as const) {
      const bytes = new Uint8Array(offset + w * h * 3).map(() => Math.floor(rand() * 256));
      const rgb = bytes.subarray(offset);
      const g = new AnalysisGray(rows).from(rgb, w, h);
      expect([...g.data], `${w}×${h} offset ${offset}`).toEqual(reference(rgb, w, h, rows));
    }
  });

  it('refuses a truncated frame', () => {
    expect(() => new AnalysisGray().from(new Uint8Array(10), 4, 1)).toThrow(
      /needs 12 bytes, got 10/,
    );
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
