// Sustained motion that no detection explains, rate-limited: sequences of boxes at 2 fps with the
// frame on which a candidate is due worked out from min_s, repeat_s, the gap rule and the
// per-minute budget. CONFIG's repeat_s (100 s) is longer than most sequences: one report each.
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { describe, expect, it } from 'vitest';
import { MotionCandidateTracker } from '../../../edge-agent/src/gate/motion-candidates.ts';

const CONFIG = { enabled: true, min_s: 2, max_per_min: 2, repeat_s: 100 };
/** The built-in defaults' pacing: again every 4 s, up to 12 a minute. */
const REPEAT = { enabled: true, min_s: 2, max_per_min: 12, repeat_s: 4 };
/** A person-sized box (0.1 × 0.3 = 3 % of the frame) drifting right by 0.01 per frame. */
const walker = (k: number, x0 = 0.2, y0 = 0.3): BoxXYXY => [
  x0 + 0.01 * k,
  y0,
  x0 + 0.1 + 0.01 * k,
  y0 + 0.3,
];

interface Frame {
  t: number;
  motion: BoxXYXY[];
  detections?: BoxXYXY[];
  /** The caller's pacing holds reports back on this frame. */
  hold?: boolean;
}

/** Times at which a candidate came out, and at which the budget held one back. */
function run(frames: Frame[], config = CONFIG) {
  const tracker = new MotionCandidateTracker(config);
  const sent: { t: number; id: number }[] = [];
  const limited: number[] = [];
  for (const f of frames) {
    const d = tracker.update(f.motion, f.detections ?? [], f.t, f.hold);
    if (d.candidate) sent.push({ t: f.t, id: d.candidate.id });
    if (d.rateLimited) limited.push(f.t);
  }
  return { sent, limited };
}

/** Frames every 0.5 s from `from` to `to` inclusive. */
function frames(from: number, to: number, make: (t: number, k: number) => Omit<Frame, 't'>) {
  const out: Frame[] = [];
  for (let k = 0; from + k * 0.5 <= to + 1e-9; k++) {
    const t = from + k * 0.5;
    out.push({ t, ...make(t, k) });
  }
  return out;
}

describe('MotionCandidateTracker', () => {
  it('sends a region once it has moved unexplained for min_s (2 s), and only once', () => {
    const { sent } = run(frames(0, 10, (_t, k) => ({ motion: [walker(k)] })));
    expect(sent.map((s) => s.t)).toEqual([2]);
  });

  it('sends a region that stays unexplained again every repeat_s (4 s): 2, 6, 10 s, one region', () => {
    const { sent } = run(
      frames(0, 10, (_t, k) => ({ motion: [walker(k)] })),
      REPEAT,
    );
    expect(sent.map((s) => s.t)).toEqual([2, 6, 10]);
    expect(new Set(sent.map((s) => s.id)).size).toBe(1);
  });

  it('after a spell explained, a region waits min_s again (explained 3-4 s → 6.5 s, then 10.5 s)', () => {
    const { sent } = run(
      frames(0, 12, (t, k) => ({
        motion: [walker(k)],
        detections: t >= 3 && t <= 4 ? [walker(k)] : [],
      })),
      REPEAT,
    );
    expect(sent.map((s) => s.t)).toEqual([2, 6.5, 10.5]);
  });

  it('a held-back region stays due: held until 3 s → sent at 3 s, again at 7 s', () => {
    const { sent, limited } = run(
      frames(0, 8, (t, k) => ({ motion: [walker(k)], hold: t < 3 })),
      REPEAT,
    );
    expect(sent.map((s) => s.t)).toEqual([3, 7]);
    expect(limited).toEqual([2, 2.5]);
  });

  it('never sends a region a detection explains', () => {
    const { sent } = run(
      frames(0, 10, (_t, k) => ({ motion: [walker(k)], detections: [walker(k)] })),
    );
    expect(sent).toEqual([]);
  });

  it('counts from the first frame the detector lost it (explained until 1.0 s → sent at 3.5 s)', () => {
    const { sent } = run(
      frames(0, 10, (t, k) => ({ motion: [walker(k)], detections: t <= 1 ? [walker(k)] : [] })),
    );
    expect(sent.map((s) => s.t)).toEqual([3.5]);
  });

  it('needs the detection to cover half of the motion box', () => {
    // Detections covering the left 40 % / 60 % of a fixed motion box [0.2, 0.3, 0.3, 0.6].
    const box: BoxXYXY = [0.2, 0.3, 0.3, 0.6];
    const part = (share: number): BoxXYXY => [0.2, 0.3, 0.2 + 0.1 * share, 0.6];
    const jiggle = (k: number): BoxXYXY => [box[0], box[1], box[2] + (k % 2) * 0.001, box[3]];
    const at40 = run(frames(0, 5, (_t, k) => ({ motion: [jiggle(k)], detections: [part(0.4)] })));
    const at60 = run(frames(0, 5, (_t, k) => ({ motion: [jiggle(k)], detections: [part(0.6)] })));
    expect(at40.sent.map((s) => s.t)).toEqual([2]);
    expect(at60.sent).toEqual([]);
  });

  it('ignores boxes that are not object-sized (0.1 % or 60 % of the frame)', () => {
    const tiny: BoxXYXY = [0.5, 0.5, 0.52, 0.55]; // 0.001
    const huge: BoxXYXY = [0, 0, 1, 0.6]; // 0.6
    expect(run(frames(0, 10, () => ({ motion: [tiny, huge] }))).sent).toEqual([]);
  });

  it('starts over when a region is gone for longer than 1.5 s', () => {
    // Seen 0-1.5 s, missing 2-3.5 s (2 s since last seen at 4 s), seen again from 4 s → due at 6 s.
    const { sent } = run(
      frames(0, 10, (t, k) => ({ motion: t > 1.5 && t < 4 ? [] : [walker(k)] })),
    );
    expect(sent.map((s) => s.t)).toEqual([6]);
  });

  it('bridges a short gap (1 s missing) without restarting', () => {
    const { sent } = run(
      frames(0, 10, (t, k) => ({ motion: t === 1 || t === 1.5 ? [] : [walker(k)] })),
    );
    expect(sent.map((s) => s.t)).toEqual([2]);
  });

  it('sends at most max_per_min (2) a minute, one per frame, the rest when the budget frees', () => {
    // Three separate walkers from 0 s: all due at 2 s. 2.0 s → first, 2.5 s → second, then the
    // third waits until the first report is 60 s old: 62 s.
    const { sent, limited } = run(
      frames(0, 70, (_t, k) => ({
        motion: [walker(k % 2, 0.0, 0.0), walker(k % 2, 0.4, 0.0), walker(k % 2, 0.0, 0.6)],
      })),
    );
    expect(sent.map((s) => s.t)).toEqual([2, 2.5, 62]);
    expect(new Set(sent.map((s) => s.id)).size).toBe(3);
    expect(limited[0]).toBe(3);
    expect(limited.at(-1)).toBe(61.5);
  });

  it('sends nothing when disabled', () => {
    const { sent } = run(
      frames(0, 10, (_t, k) => ({ motion: [walker(k)] })),
      { ...CONFIG, enabled: false },
    );
    expect(sent).toEqual([]);
  });
});
