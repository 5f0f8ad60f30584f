// The gate on real footage at sample_fps 2, with edge.yaml's built-in defaults.
//
// Ground truth for indoor-one-by-one-person.mp4 was labelled by hand: every frame at 2 fps was
// written to contact sheets with ffmpeg (fps=2, drawtext with the timestamp, tile) and looked at.
// A person is in view (any part of them, entering or leaving included) during the stretches
// below; the room is empty in between. People stand at the table for 10-25 s at a time.
import { EDGE_BUILTIN_DEFAULTS } from '@pretag/shared/config/edge-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameGate } from '../../../edge-agent/src/gate/frame-gate.ts';
import type { GateResult } from '../../../edge-agent/src/gate/frame-gate.ts';
import { MotionCandidateTracker } from '../../../edge-agent/src/gate/motion-candidates.ts';
import { needMedia } from '../../helpers/media.ts';
import { decodeGray } from './decode-gray.ts';
import type { DecodedFrame } from './decode-gray.ts';
import { mapPixels } from './synthetic.ts';

/** [from, to] seconds, inclusive, with a person in view. */
const PERSON_IN_VIEW: [number, number][] = [
  [6.0, 19.5],
  [22.5, 44.5],
  [50.0, 69.5],
  [74.5, 87.0],
  [92.0, 119.5],
  [123.5, 135.5],
];
const END = 139;
/** Seconds after a person leaves that the gate may still see their shadow or the gap they left. */
const SETTLE_S = 2;

const inView = (t: number) => PERSON_IN_VIEW.some(([a, b]) => t >= a && t <= b);
/** Empty, and at least SETTLE_S after the last person left. */
const settledEmpty = (t: number) =>
  !inView(t) && !PERSON_IN_VIEW.some(([, b]) => t > b && t < b + SETTLE_S) && t <= END;

const VIDEOS = {
  indoor: { rel: 'video/indoor-one-by-one-person.mp4', width: 320, height: 180 },
  campus: { rel: 'video/campus-pedestrians-vtest.avi', width: 240, height: 180 },
  warehouse: { rel: 'video/warehouse-worker-zone.mp4', width: 320, height: 180 },
};
const m = needMedia(...Object.values(VIDEOS).map((v) => v.rel));

function runGate(frames: DecodedFrame[]) {
  const gate = new FrameGate(EDGE_BUILTIN_DEFAULTS);
  const start = performance.now();
  const results = frames.map((f) => gate.process(f, f.t));
  return { results, msPerFrame: (performance.now() - start) / frames.length };
}

const share = (xs: boolean[]) => xs.filter(Boolean).length / Math.max(1, xs.length);

describe.skipIf(!m.ok)('gate on real video', () => {
  const decoded = new Map<string, DecodedFrame[]>();
  beforeAll(async () => {
    for (const [name, v] of Object.entries(VIDEOS)) {
      const i = Object.keys(VIDEOS).indexOf(name);
      decoded.set(name, await decodeGray(m.paths[i] ?? '', 2, v.width, v.height));
    }
  }, 120_000);

  it('indoor: open while a person is in view, quiet once the room is empty', () => {
    const frames = decoded.get('indoor') ?? [];
    expect(frames.length).toBe(279); // 139.4 s at 2 fps
    const { results, msPerFrame } = runGate(frames);
    const open = (i: number) => results[i]?.open === true;

    const present = frames.flatMap((f, i) => (inView(f.t) ? [open(i)] : []));
    const empty = frames.flatMap((f, i) => (settledEmpty(f.t) ? [open(i)] : []));
    const anyEmpty = frames.flatMap((f, i) => (inView(f.t) ? [] : [open(i)]));
    console.log(
      `indoor: gate open on ${(share(results.map((r) => r.open)) * 100).toFixed(1)} % of ${frames.length} frames; ` +
        `person in view ${(share(present) * 100).toFixed(1)} % open (${present.length} frames), ` +
        `settled empty ${(share(empty) * 100).toFixed(1)} % open (${empty.length} frames), ` +
        `any empty ${(share(anyEmpty) * 100).toFixed(1)} % open (${anyEmpty.length}); ${msPerFrame.toFixed(2)} ms/frame`,
    );
    // Each stretch with a person is covered, not just the total.
    for (const [a, b] of PERSON_IN_VIEW) {
      const stretch = frames.flatMap((f, i) => (f.t >= a && f.t <= b ? [open(i)] : []));
      expect(share(stretch), `person in view ${a}-${b} s`).toBeGreaterThanOrEqual(0.9);
    }
    expect(share(present)).toBeGreaterThanOrEqual(0.95);
    expect(empty.length).toBeGreaterThan(30);
    expect(share(empty)).toBeLessThanOrEqual(0.05);
  });

  it.each(['campus', 'warehouse'])(
    '%s: people walk in view the whole time, so the gate is open on nearly every frame',
    (name) => {
      const frames = decoded.get(name) ?? [];
      const { results, msPerFrame } = runGate(frames);
      const openShare = share(results.map((r) => r.open));
      console.log(
        `${name}: gate open on ${(openShare * 100).toFixed(1)} % of ${frames.length} frames; ${msPerFrame.toFixed(2)} ms/frame`,
      );
      // The first frame only seeds the background.
      expect(results[0]?.open).toBe(false);
      expect(share(results.slice(1).map((r) => r.open))).toBeGreaterThanOrEqual(0.95);
    },
  );

  it('indoor: the lights dimming to half is a global change, not motion', () => {
    // Empty room, 0-5.5 s. Dimmed from frame 5 (2.5 s): a pixel changes by v / 2, over the
    // threshold 25 wherever v > 50, which is most of the picture (checked here on the raw frame).
    const frames = (decoded.get('indoor') ?? []).slice(0, 11);
    const raw = frames[5]?.data ?? new Uint8Array();
    expect(raw.filter((v) => v > 50).length / raw.length).toBeGreaterThan(0.6);
    const dimmed = frames.map((f, i) => (i < 5 ? f : { ...mapPixels(f, (v) => v / 2), t: f.t }));
    const { results } = runGate(dimmed);
    expect(results[5]?.motion.globalChange).toBe(true);
    expect(results.map((r: GateResult) => r.open)).toEqual(Array<boolean>(11).fill(false));
  });

  it('indoor: with no detector, sustained motion gives rate-limited candidates', () => {
    // Nothing explains the people (no detections passed), so candidates come out, never more
    // than the built-in max_per_min in any 60 s.
    const perMinute = EDGE_BUILTIN_DEFAULTS.motion_candidates.max_per_min;
    const frames = decoded.get('indoor') ?? [];
    const { results } = runGate(frames);
    const tracker = new MotionCandidateTracker(EDGE_BUILTIN_DEFAULTS.motion_candidates);
    const sent = frames.flatMap((f, i) =>
      tracker.update(results[i]?.motion.boxes ?? [], [], f.t).candidate ? [f.t] : [],
    );
    console.log(`indoor: motion candidates at ${sent.join(', ')} s`);
    expect(sent.length).toBeGreaterThan(0);
    for (const t of sent)
      expect(sent.filter((u) => u > t - 60 && u <= t).length).toBeLessThanOrEqual(perMinute);
    // Every candidate comes while a person is in view or has just left (their shadow and the gap
    // they leave settle within SETTLE_S), never from a settled empty room.
    for (const t of sent) expect(settledEmpty(t), `candidate at ${t} s`).toBe(false);
  });
});
