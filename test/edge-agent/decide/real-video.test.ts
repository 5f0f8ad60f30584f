// The decision stage behind the real gate on real footage, with a detector that sees nothing:
// the domain-shift case (a COCO model blind to this view). Decoded by the ffmpeg CLI at 2 fps.
//
// Ground truth for indoor-one-by-one-person.mp4 is the hand labelling in
// test/edge-agent/gate/gate-real-video.test.ts (contact sheets at 2 fps, looked at): a person is in
// view during the stretches below and the room is empty in between.
import { EDGE_BUILTIN_DEFAULTS } from '@pretag/shared/config/edge-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDecisionState,
  decideFrame,
  shouldInfer,
  type FrameDecision,
} from '../../../edge-agent/src/decide/decide-frame.ts';
import { FrameGate } from '../../../edge-agent/src/gate/frame-gate.ts';
import { needMedia } from '../../helpers/media.ts';
import { decodeGray, type DecodedFrame } from '../gate/decode-gray.ts';

const PERSON_IN_VIEW: [number, number][] = [
  [6.0, 19.5],
  [22.5, 44.5],
  [50.0, 69.5],
  [74.5, 87.0],
  [92.0, 119.5],
  [123.5, 135.5],
];
/** Seconds after a person leaves that the gate may still see their shadow or the gap they left. */
const SETTLE_S = 2;
const nearPerson = (t: number) => PERSON_IN_VIEW.some(([a, b]) => t >= a && t <= b + SETTLE_S);

const m = needMedia('video/indoor-one-by-one-person.mp4');

describe.skipIf(!m.ok)('decisions on real video with a blind detector', () => {
  let frames: DecodedFrame[] = [];
  beforeAll(async () => {
    frames = await decodeGray(m.paths[0] ?? '', 2, 320, 180);
  }, 120_000);

  function run(seed: number) {
    const settings = { ...EDGE_BUILTIN_DEFAULTS, audit_rate: 0.05 };
    const gate = new FrameGate(settings);
    const state = createDecisionState(settings, { seed });
    const decisions: FrameDecision[] = frames.map((f) => {
      const g = gate.process(f, f.t);
      const infer = shouldInfer(state, f.t, g, settings).infer;
      const input = { t: f.t, settings, frame: f, gray: f, gate: g };
      return decideFrame(state, { ...input, detections: infer ? [] : undefined });
    });
    return { decisions, counts: state.counters.current };
  }

  it('sends unexplained motion only while a person is in view, in each stretch, 4 s apart at least', () => {
    const { decisions, counts } = run(7);
    const motion = decisions.filter((d) => d.decision === 'upload' && d.reason === 'motion');
    const audits = decisions.filter((d) => d.decision === 'upload' && d.reason === 'audit');
    console.log(
      `indoor, blind detector: ${frames.length} frames, gate open ${counts.gated}, ` +
        `motion uploads at ${motion.map((d) => d.t).join(', ')} s, ` +
        `rate-limited ${counts.skipped['rate-limited']}, audits ${audits.length}`,
    );
    expect(frames.length).toBe(279); // 139.4 s at 2 fps
    expect(motion.length).toBeGreaterThanOrEqual(1);
    for (const d of motion) expect(nearPerson(d.t), `motion upload at ${d.t} s`).toBe(true);
    // Each person is seen at least once: a region due after min_s 2 s, sent again every 4 s.
    for (const [a, b] of PERSON_IN_VIEW)
      expect(
        motion.some((d) => d.t >= a && d.t <= b + SETTLE_S),
        `person ${a}-${b} s`,
      ).toBe(true);
    // presence_s 4: never two uploads for content within 4 s; so also at most 12 a minute.
    motion.slice(1).forEach((d, i) => {
      expect(d.t - (motion[i]?.t ?? -Infinity), `motion upload at ${d.t} s`).toBeGreaterThanOrEqual(
        4,
      );
    });
    // No detection is ever accepted, so nothing goes as prefilter and nothing is a near-copy.
    expect(decisions.some((d) => d.decision === 'upload' && d.reason === 'prefilter')).toBe(false);
    expect(counts).toMatchObject({
      sampled: 279,
      inferred: counts.gated, // the detector runs exactly when the gate is open
      uploaded: motion.length + audits.length,
      motion: motion.length,
      audited: audits.length,
    });
    expect(counts.skipped['near-copy']).toBe(0);
  });

  it('the same seed gives the same decisions', () => {
    const a = run(7).decisions.map((d) => d.decision);
    expect(run(7).decisions.map((d) => d.decision)).toEqual(a);
  });
});
