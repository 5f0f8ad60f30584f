// Scripted timelines through the whole decision: gate result and detector output per sampled
// frame, and the decision a site engineer should see, worked out by hand from the rules in
// decide-frame.ts and the built-in defaults (min_score 0.35, novelty IoU 0.85 / pixel_diff 0.02 /
// keep-alive 60 s / min_gap 4 s / presence_score 0.2 / presence 4 s, motion candidates after 2 s,
// again every 4 s, at most 12 a minute).
import { EDGE_BUILTIN_DEFAULTS } from '@pretag/shared/config/edge-schema';
import { parseConfig } from '@pretag/shared/config/load';
import { settingsAt } from '@pretag/shared/config/resolve';
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import { cameraCountersSchema } from '@pretag/shared/mqtt/payloads';
import { describe, expect, it } from 'vitest';
import { statsCounters } from '../../../edge-agent/src/decide/counters.ts';
import {
  createDecisionState,
  decideFrame,
  shouldInfer,
  type CameraDecisionState,
  type DecideSettings,
  type FrameDecision,
} from '../../../edge-agent/src/decide/decide-frame.ts';
import type { GrayFrame } from '../../../edge-agent/src/gate/gray-frame.ts';

const FRAME = { width: 640, height: 360 };
const SETTINGS: DecideSettings = { ...EDGE_BUILTIN_DEFAULTS, audit_rate: 0 };

/** 64 × 32 grey frames (thumbnail-sized): flat, or with a 16 × 8 block changed (diff 0.0245). */
const FLAT: GrayFrame = { width: 64, height: 32, data: new Uint8Array(2048).fill(100) };
const CHANGED: GrayFrame = (() => {
  const data = new Uint8Array(2048).fill(100);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) data[y * 64 + x] = 200;
  return { width: 64, height: 32, data };
})();

const person = (x: number, score = 0.9): Detection => ({
  label: 'person',
  score,
  box: [x, 100, x + 60, 280],
});
const dog: Detection = { label: 'dog', score: 0.8, box: [300, 200, 380, 300] };
const norm = (d: Detection): BoxXYXY => [
  d.box[0] / FRAME.width,
  d.box[1] / FRAME.height,
  d.box[2] / FRAME.width,
  d.box[3] / FRAME.height,
];

interface Step {
  t: number;
  open: boolean;
  /** Detector output if the pipeline runs it; 'not-run': the pipeline skipped it though asked. */
  dets?: Detection[] | 'not-run';
  motion?: BoxXYXY[];
  sceneChanged?: boolean;
  gray?: GrayFrame;
}

/** "upload prefilter", "upload prefilter keepalive", "upload audit (gate-closed)", "skip near-copy"... */
function label(d: FrameDecision): string {
  if (d.decision === 'skip') return `skip ${d.skipReason}`;
  if (d.reason === 'audit') return `upload audit (${d.rejectedAs ?? '?'})`;
  return `upload ${d.reason}${d.keepalive ? ' keepalive' : ''}`;
}

/** Runs the steps as the pipeline would: the detector runs when shouldInfer says so. */
function run(steps: Step[], state: CameraDecisionState, settings = SETTINGS) {
  return steps.map((s) => {
    const gate = {
      open: s.open,
      motion: { score: s.open ? 0.01 : 0, boxes: s.motion ?? [] },
      scene: { changed: s.sceneChanged ?? false },
    };
    const plan = shouldInfer(state, s.t, gate, settings);
    const detections = plan.infer && s.dets !== 'not-run' ? (s.dets ?? []) : undefined;
    const d = decideFrame(state, {
      t: s.t,
      settings,
      frame: FRAME,
      gray: s.gray ?? FLAT,
      gate,
      detections,
    });
    return { t: s.t, why: plan.why, decision: d, text: label(d) };
  });
}

describe('decideFrame: a person walks in, stops, stands still, leaves', () => {
  const P0 = person(100);
  const P0b = person(102); // 2 px on: IoU 58 × 180 / (62 × 180) = 0.935
  const P30 = person(130); // 30 px on: IoU 30 / 90 = 0.333
  const steps: Step[] = [
    { t: 0, open: false },
    { t: 0.5, open: true, dets: [P0, dog], motion: [norm(P0)] },
    { t: 1, open: true, dets: [P0b], motion: [norm(P0b)] },
    { t: 1.5, open: true, dets: [P30], motion: [norm(P30)] },
    { t: 2, open: true, dets: [person(130, 0.2)] },
    { t: 2.5, open: true, dets: 'not-run' },
    { t: 4.5, open: true, dets: [P30], motion: [norm(P30)] },
    { t: 8.5, open: true, dets: [P30], gray: CHANGED, motion: [norm(P30)] },
    { t: 9, open: true, dets: [P30], gray: CHANGED, sceneChanged: true },
    { t: 9.5, open: false, dets: [P30], gray: CHANGED },
    { t: 68.9, open: false, dets: [P30], gray: CHANGED },
    { t: 69, open: false, dets: [P30], gray: CHANGED },
    { t: 69.5, open: false, dets: [P30], gray: CHANGED },
    { t: 129, open: false, dets: [], gray: CHANGED },
    { t: 189, open: false, dets: [], gray: CHANGED },
  ];
  const state = createDecisionState(SETTINGS, { seed: 1 });
  const out = run(steps, state);

  it('decides each frame as expected', () => {
    expect(out.map((o) => [o.t, o.text])).toEqual([
      [0, 'skip gate-closed'],
      [0.5, 'upload prefilter'], // first person; the dog is not a class of interest
      [1, 'skip near-copy'], // same box (IoU 0.935), same pixels
      [1.5, 'skip rate-limited'], // moved 30 px (IoU 0.333): new, but 1 s < min_gap 4 s
      [2, 'skip rate-limited'], // score 0.2: weak (≥ 0.2, < 0.35), new, but 1.5 s < presence 4 s
      [2.5, 'skip not-inferred'], // gate open but the detector did not run
      [4.5, 'upload prefilter'], // moved 30 px since 0.5 s, 4 s since that upload
      [8.5, 'upload prefilter'], // same box as 4.5 s but the pixels changed (0.0245 ≥ 0.02), 4 s
      [9, 'upload prefilter'], // a scene change: nothing to be a copy of, the pacing starts over
      [9.5, 'skip gate-closed'], // standing still: no motion, keep-alive not due
      [68.9, 'skip gate-closed'], // 59.9 s since the upload at 9 s
      [69, 'upload prefilter keepalive'], // 60 s: detector run for the keep-alive, same person
      [69.5, 'skip gate-closed'],
      [129, 'skip no-detections'], // keep-alive check finds the person gone
      [189, 'skip gate-closed'], // nothing in view: no more keep-alive checks
    ]);
    expect(out.find((o) => o.t === 69)?.why).toBe('keepalive');
    expect(out.find((o) => o.t === 129)?.why).toBe('keepalive');
    expect(out.find((o) => o.t === 2)?.decision).toMatchObject({
      detections: [],
      weak: [person(130, 0.2)],
    });
  });

  it('reports the accepted detections, the rejections and the thresholds in force', () => {
    const first = out[1]?.decision;
    expect(first?.detections).toEqual([P0]);
    expect(first?.rejected).toMatchObject({ class: 1, score: 0 });
    expect(first?.thresholds).toEqual({
      minScore: 0.35,
      minArea: 0.0005,
      maxArea: 0.9,
      classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'],
      motionThreshold: 25,
      motionMinArea: 0.002,
    });
    expect(out[0]?.decision).toMatchObject({ inferred: false, gateOpen: false, detections: [] });
  });

  it('counts per camera, in the stats payload shape', () => {
    const c = state.counters.current;
    expect(c).toMatchObject({
      sampled: 15,
      gated: 8, // 0.5 … 9 s
      inferred: 9, // the 7 open frames the detector ran on, plus the 2 keep-alive checks
      uploaded: 5,
      audited: 0,
      motion: 0,
      keepalive: 1,
    });
    expect(c.skipped).toEqual({
      'gate-closed': 5,
      'not-inferred': 1,
      'no-detections': 1,
      'near-copy': 1,
      'rate-limited': 2,
    });
    expect(c.rejected).toMatchObject({ class: 1, score: 1, mask: 0, zone: 0 });
    const stats = statsCounters(c, { decoded: 420, spooledBytes: 5 * 80_000, dropped: 0 });
    expect(cameraCountersSchema.parse(stats)).toEqual({
      decoded: 420,
      sampled: 15,
      gated: 8,
      inferred: 9,
      uploaded: 5,
      audited: 0,
      motion: 0,
      spooledBytes: 400_000,
      dropped: 0,
    });
    // A stats message starts a new window.
    expect(state.counters.take().sampled).toBe(15);
    expect(state.counters.current.sampled).toBe(0);
  });
});

describe('decideFrame: unexplained motion (domain shift)', () => {
  // Object-sized motion boxes (0.1 × 0.3 = 3 % of the frame) that no detection explains.
  const A: BoxXYXY = [0.1, 0.1, 0.2, 0.4];
  const B: BoxXYXY = [0.5, 0.1, 0.6, 0.4];
  const C: BoxXYXY = [0.3, 0.5, 0.4, 0.8];
  const every = (from: number, to: number, make: (t: number) => Step): Step[] => {
    const out: Step[] = [];
    for (let t = from; t <= to + 1e-9; t += 0.5) out.push(make(t));
    return out;
  };

  it('sends a region after 2 s unexplained, again every 4 s, never within 4 s of an upload', () => {
    // A: 0-3 s (due at 2 → sent); B: 3.5-5.5 s (due at 5.5, but only 3.5 s after the upload at
    // 2 s: held, then gone); C: 6-30 s (due at 8 → sent, then again every 4 s: 12 … 28).
    const steps = every(0, 30, (t) => ({
      t,
      open: true,
      dets: [],
      motion: [t <= 3 ? A : t <= 5.5 ? B : C],
    }));
    const out = run(steps, createDecisionState(SETTINGS, { seed: 1 }));
    const at = (text: string) => out.filter((o) => o.text === text).map((o) => o.t);
    expect(at('upload motion')).toEqual([2, 8, 12, 16, 20, 24, 28]);
    expect(at('skip rate-limited')).toEqual([5.5]);
    expect(at('skip no-detections')).toHaveLength(53); // 61 frames - 7 - 1
    expect(out.find((o) => o.t === 2)?.decision.motionCandidate).toEqual({
      id: 1,
      box: A,
      unexplainedS: 2,
    });
    expect(out.find((o) => o.t === 12)?.decision.motionCandidate).toEqual({
      id: 3,
      box: C,
      unexplainedS: 6,
    });
  });

  it('a region the detector explains is sent as prefilter, never as motion', () => {
    const P = person(64); // normalised [0.1, 0.278, 0.194, 0.778]
    const steps = every(0, 5, (t) => ({ t, open: true, dets: [P], motion: [norm(P)] }));
    const texts = run(steps, createDecisionState(SETTINGS, { seed: 1 })).map((o) => o.text);
    expect(texts).toEqual(['upload prefilter', ...Array<string>(10).fill('skip near-copy')]);
  });

  it('an unexplained region beside an accepted person goes as motion, the person attached', () => {
    const P = person(400); // the right side of the frame; A is on the left
    // A is due at 2 s but held until 4 s have passed since the person's upload at 0 s.
    const steps = every(0, 4, (t) => ({ t, open: true, dets: [P], motion: [norm(P), A] }));
    const out = run(steps, createDecisionState(SETTINGS, { seed: 1 }));
    expect(out.map((o) => o.text)).toEqual([
      'upload prefilter',
      'skip near-copy',
      'skip near-copy',
      'skip near-copy',
      'skip rate-limited',
      'skip rate-limited',
      'skip rate-limited',
      'skip rate-limited',
      'upload motion',
    ]);
    expect(out[8]?.decision.detections).toEqual([P]);
  });

  it('a scene change forgets the regions: the 2 s start again', () => {
    const steps = every(0, 4, (t) => ({
      t,
      open: true,
      dets: [],
      motion: [A],
      sceneChanged: t === 1,
    }));
    const out = run(steps, createDecisionState(SETTINGS, { seed: 1 }));
    expect(out.filter((o) => o.text === 'upload motion').map((o) => o.t)).toEqual([3]);
  });
});

describe('decideFrame: coverage while a person is present', () => {
  // A person walking 30 px a frame (IoU 0.333 with the frame before: always new content).
  const walk = (score: number) =>
    Array.from({ length: 21 }, (_, k): Step => {
      const P = person(20 + 30 * (k % 18), score);
      return { t: k * 0.5, open: true, dets: [P], motion: [norm(P)] };
    });
  const uploads = (steps: Step[]) =>
    run(steps, createDecisionState(SETTINGS, { seed: 1 }))
      .filter((o) => o.decision.decision === 'upload')
      .map((o) => [o.t, o.text]);

  it('a confidently detected walker goes every min_gap (4 s), not every frame', () => {
    expect(uploads(walk(0.9))).toEqual([
      [0, 'upload prefilter'],
      [4, 'upload prefilter'],
      [8, 'upload prefilter'],
    ]);
  });

  it('a walker the detector is unsure of (0.25: weak) goes as motion every presence_s (4 s)', () => {
    expect(uploads(walk(0.25))).toEqual([
      [0, 'upload motion'],
      [4, 'upload motion'],
      [8, 'upload motion'],
    ]);
  });

  it('below presence_score (0.15) only the unexplained motion counts: after 2 s, every 4 s', () => {
    expect(uploads(walk(0.15).map((st) => ({ ...st, motion: [] })))).toEqual([]);
    // The region moves 30 px a frame from 0 s (due at 2 s, again at 6 s); at 9 s the walker
    // jumps back to x = 20 (a new region, due at 11 s: after the end).
    expect(uploads(walk(0.15))).toEqual([
      [2, 'upload motion'],
      [6, 'upload motion'],
    ]);
  });
});

describe('decideFrame: audits', () => {
  it('draws once per rejected frame only; near-copies are not rejections; audits are not references', () => {
    const draws = [0.5, 0.001, 0.5, 0.001];
    let k = 0;
    const random = () => draws[k++] ?? 0.5;
    const settings = { ...SETTINGS, audit_rate: 0.01 };
    const P = person(100);
    const out = run(
      [
        { t: 0, open: false }, // draw 0.5
        { t: 1, open: true, dets: [P] },
        { t: 2, open: true, dets: [P] },
        { t: 3, open: true, dets: [] }, // draw 0.001
        { t: 4, open: true, dets: 'not-run' }, // draw 0.5
        { t: 5, open: false }, // draw 0.001
        { t: 6, open: true, dets: [P] }, // still a copy of the upload at 1 s
      ],
      createDecisionState(settings, { seed: 0, random }),
      settings,
    );
    expect(out.map((o) => o.text)).toEqual([
      'skip gate-closed',
      'upload prefilter',
      'skip near-copy',
      'upload audit (no-detections)',
      'skip not-inferred',
      'upload audit (gate-closed)',
      'skip near-copy',
    ]);
    expect(k).toBe(4);
    expect(out[5]?.decision).toMatchObject({ inferred: false, detections: [] });
  });
});

describe('decideFrame with settings from edge.yaml', () => {
  const yaml = `site: s1
device: d1
timezone: UTC
hub:
  mqtt: mqtt://hub:1883
  blob: { hub: { url: http://hub:8080 } }
defaults:
  audit_rate: 0
  schedule:
    - { from: "19:00", to: "07:00", prefilter: { min_score: 0.45 } }
cameras:
  dock-3:
    url: rtsp://10.0.0.13/stream1
    prefilter: { min_score: 0.3, zones: [[0.5, 0, 1, 0, 1, 1, 0.5, 1]] }
`;

  it('applies the camera override by day and the night window after 19:00', () => {
    const parsed = parseConfig(yaml, 'edge.yaml', 'edge');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const decide = (iso: string, d: Detection) => {
      const { settings } = settingsAt(parsed.config, 'dock-3', new Date(iso));
      const state = createDecisionState(settings, { seed: 1 });
      const gate = { open: true, motion: { score: 0.01, boxes: [] } };
      const input = { t: 0, settings, frame: FRAME, gray: FLAT, gate, detections: [d] };
      return label(decideFrame(state, input));
    };
    const inZone = person(400, 0.4); // feet at x = 430 / 640 = 0.67: in the zone
    const outOfZone = person(100, 0.9); // feet at x = 130 / 640 = 0.20
    expect(decide('2026-06-01T12:00:00Z', inZone)).toBe('upload prefilter'); // 0.4 ≥ 0.3
    // 0.4 < 0.45 at night: not accepted, but a weak person (≥ presence_score 0.2): a hard example.
    expect(decide('2026-06-01T20:00:00Z', inZone)).toBe('upload motion');
    expect(decide('2026-06-01T12:00:00Z', outOfZone)).toBe('skip no-detections');
  });
});

describe('bad input', () => {
  it('refuses a frame time that is not a finite number', () => {
    const state = createDecisionState(SETTINGS, { seed: 1 });
    const input = {
      t: Number.NaN,
      settings: SETTINGS,
      frame: FRAME,
      gray: FLAT,
      gate: { open: false, motion: { score: 0, boxes: [] } },
      detections: undefined,
    };
    expect(() => decideFrame(state, input)).toThrow('frame time must be a finite number, got NaN');
  });

  it('refuses a frame size it cannot measure detections against', () => {
    const state = createDecisionState(SETTINGS, { seed: 1 });
    const input = {
      t: 0,
      settings: SETTINGS,
      frame: { width: 0, height: 360 },
      gray: FLAT,
      gate: { open: true, motion: { score: 0.01, boxes: [] } },
      detections: [person(100)],
    };
    expect(() => decideFrame(state, input)).toThrow('frame size must be positive and finite');
  });
});
