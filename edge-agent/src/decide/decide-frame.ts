// The per-frame decision after the gate: upload (prefilter, motion or audit) or skip, and why.
// The aim is coverage at low volume: while something is present, at least one frame every few
// seconds; a walking person is not sent every frame. Order, for each sampled frame:
//   1. a scene change resets novelty and the motion-candidate regions (a new view is new content);
//   2. the pre-filter keeps the detections that count (when the detector ran), and the same checks
//      with presence_score instead of min_score find "weak" detections (presence, not content);
//   3. a motion candidate (sustained object-sized motion no accepted detection explains, sent
//      again every repeat_s while unexplained, rate-limited by the tracker) is sent as `motion`
//      once presence_s has passed since the last content upload, detections attached;
//   4. accepted detections: sent as `prefilter` when new and min_gap_s has passed since the last
//      content upload (else skipped as rate-limited); a near-copy goes once the keep-alive is due
//      (`prefilter`, keepalive: true);
//   5. only weak detections: sent as `motion` (a hard example: the detector was unsure) when new
//      and presence_s has passed, a near-copy once the keep-alive is due;
//   6. a rejected frame (gate closed, detector not run, or nothing accepted) is sent as `audit`
//      when the audit draw says so, else skipped.
// Near-copies are not rejected frames: the pre-filter found something, so they are never audited.
// Audit uploads do not become the novelty reference (they sample rejections, not content).
// The motion tracker only sees motion boxes on frames the detector ran on: "unexplained" means
// nothing when no detector looked. State lives in CameraDecisionState; time is passed in.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import type { FramePayload, FrameThresholds } from '@pretag/shared/mqtt/payloads';
import type { GrayFrame } from '../gate/gray-frame.ts';
import { MotionCandidateTracker } from '../gate/motion-candidates.ts';
import type { CandidateDecision, MotionCandidateOptions } from '../gate/motion-candidates.ts';
import type { MotionResult } from '../gate/motion-detector.ts';
import type { SceneChangeResult } from '../gate/scene-change.ts';
import { AuditSampler } from './audit.ts';
import type { Random } from '@pretag/shared/random/prng';
import { DecisionCounters } from './counters.ts';
import type { SkipReason } from './counters.ts';
import { NoveltyTracker } from './novelty.ts';
import type { NoveltyCheck } from './novelty.ts';
import { filterDetections, zeroRejections } from './prefilter.ts';
import type { FilterResult, FrameSize } from './prefilter.ts';
import { thumbnail } from './thumbnail.ts';
import type { Thumbnail } from './thumbnail.ts';

/** The settings the decision reads: from settingsAt(config, camera, instant). */
export type DecideSettings = Pick<
  EdgeSettings,
  'prefilter' | 'novelty' | 'motion_candidates' | 'audit_rate' | 'masks' | 'motion'
>;

/** What the gate said about the frame (a GateResult fits). */
export interface GateView {
  open: boolean;
  motion: Pick<MotionResult, 'score' | 'boxes'>;
  scene?: Pick<SceneChangeResult, 'changed'>;
}

/** Upload reasons this stage produces (the payload's `manual` comes from elsewhere). */
export type UploadReason = Exclude<FramePayload['reason'], 'manual'>;

export interface DecideInput {
  /** Capture time in seconds on a monotonic per-camera clock (the gate's `t`). */
  t: number;
  settings: DecideSettings;
  /** Pixel size the detections refer to. */
  frame: FrameSize;
  /** The frame in grey, any size: its thumbnail tells near-copies apart. */
  gray: GrayFrame;
  gate: GateView;
  /** The detector's output in pixels, or undefined when it did not run. */
  detections: readonly Detection[] | undefined;
}

interface DecisionCommon {
  t: number;
  gateOpen: boolean;
  /** The detector ran on this frame. */
  inferred: boolean;
  /** Detections that passed the pre-filter (boxes clipped to the frame). */
  detections: Detection[];
  /** Weak detections: pass every check but score, scoring from presence_score up to min_score. */
  weak: Detection[];
  /** Pre-filter rejections per reason (all zero when the detector did not run). */
  rejected: FilterResult['rejected'];
  /** The gate's motion score (fraction of the frame moving). */
  motionScore: number;
  novelty: NoveltyCheck | undefined;
  motionCandidate: CandidateDecision['candidate'];
  thresholds: FrameThresholds;
}

export type FrameDecision = DecisionCommon &
  (
    | {
        decision: 'upload';
        reason: UploadReason;
        /** A near-copy sent because the keep-alive was due (reason `prefilter`). */
        keepalive: boolean;
        /** For audit uploads: the reason the frame was rejected. */
        rejectedAs?: SkipReason;
      }
    | { decision: 'skip'; skipReason: SkipReason }
  );

export interface DecisionStateOptions {
  /** Seed of the audit draws (reproducible runs). */
  seed: number;
  /** Replaces the seeded generator for audit draws. */
  random?: Random;
  candidates?: MotionCandidateOptions;
}

/** Everything one camera's decisions remember. */
export interface CameraDecisionState {
  novelty: NoveltyTracker;
  candidates: MotionCandidateTracker;
  audit: AuditSampler;
  counters: DecisionCounters;
}

export function createDecisionState(
  settings: Pick<EdgeSettings, 'motion_candidates'>,
  options: DecisionStateOptions,
): CameraDecisionState {
  return {
    novelty: new NoveltyTracker(),
    candidates: new MotionCandidateTracker(settings.motion_candidates, options.candidates),
    audit: new AuditSampler(options.seed, options.random),
    counters: new DecisionCounters(),
  };
}

/** The pre-filter and motion settings in force, as the frame payload carries them. */
export function thresholdsFor(settings: DecideSettings): FrameThresholds {
  return {
    minScore: settings.prefilter.min_score,
    minArea: settings.prefilter.min_area,
    maxArea: settings.prefilter.max_area,
    classes: [...settings.prefilter.classes],
    motionThreshold: settings.motion.threshold,
    motionMinArea: settings.motion.min_area,
  };
}

/**
 * Whether to run the detector on this frame: the gate is open, or a keep-alive is owed while
 * objects were last seen in view (a person standing still closes the motion gate).
 */
export function shouldInfer(
  state: CameraDecisionState,
  t: number,
  gate: Pick<GateView, 'open'>,
  settings: Pick<EdgeSettings, 'novelty'>,
): { infer: boolean; why: 'gate-open' | 'keepalive' | 'gate-closed' } {
  if (gate.open) return { infer: true, why: 'gate-open' };
  if (state.novelty.keepaliveDue(t, settings.novelty)) return { infer: true, why: 'keepalive' };
  return { infer: false, why: 'gate-closed' };
}

function normalised(d: Detection, frame: FrameSize): BoxXYXY {
  const [x1, y1, x2, y2] = d.box;
  return [x1 / frame.width, y1 / frame.height, x2 / frame.width, y2 / frame.height];
}

/** Detections of a class of interest that pass every pre-filter check at presence_score but not at min_score. */
function weakDetections(
  detections: readonly Detection[],
  settings: DecideSettings,
  frame: FrameSize,
): Detection[] {
  const { min_score } = settings.prefilter;
  const { presence_score } = settings.novelty;
  if (!(presence_score < min_score)) return [];
  const prefilter = { ...settings.prefilter, min_score: presence_score };
  return filterDetections(detections, prefilter, settings.masks, frame).accepted.filter(
    (d) => d.score < min_score,
  );
}

/** Decides one sampled frame and updates the camera's state and counters. */
export function decideFrame(state: CameraDecisionState, input: DecideInput): FrameDecision {
  const { t, settings, gate } = input;
  if (!Number.isFinite(t)) throw new RangeError(`frame time must be a finite number, got ${t}`);
  const inferred = input.detections !== undefined;
  if (gate.scene?.changed) {
    state.novelty.reset();
    state.candidates.reset();
  }
  state.candidates.setConfig(settings.motion_candidates);

  const filtered: FilterResult =
    input.detections !== undefined
      ? filterDetections(input.detections, settings.prefilter, settings.masks, input.frame)
      : { accepted: [], rejected: zeroRejections() };
  const accepted = filtered.accepted;
  const weak =
    input.detections !== undefined ? weakDetections(input.detections, settings, input.frame) : [];
  if (inferred) state.novelty.observe(accepted.length > 0 ? accepted : weak);
  const since = state.novelty.sinceUpload(t);
  const presenceDue = since >= settings.novelty.presence_s;
  const cand = state.candidates.update(
    inferred ? gate.motion.boxes : [],
    accepted.map((d) => normalised(d, input.frame)),
    t,
    !presenceDue,
  );

  let thumb: Thumbnail | undefined;
  const thumbOnce = (): Thumbnail => (thumb ??= thumbnail(input.gray));
  const common: DecisionCommon = {
    t,
    gateOpen: gate.open,
    inferred,
    detections: accepted,
    weak,
    rejected: filtered.rejected,
    motionScore: gate.motion.score,
    novelty: undefined,
    motionCandidate: cand.candidate,
    thresholds: thresholdsFor(settings),
  };

  let decision: FrameDecision;
  const content = accepted.length > 0 ? accepted : weak;
  if (cand.candidate) {
    state.novelty.recordUpload(content, thumbOnce(), t);
    decision = { ...common, decision: 'upload', reason: 'motion', keepalive: false };
  } else if (content.length > 0) {
    const novelty = state.novelty.check(content, thumbOnce, t, settings.novelty);
    const gapOk = accepted.length > 0 ? since >= settings.novelty.min_gap_s : presenceDue;
    const reason = accepted.length > 0 ? 'prefilter' : 'motion';
    if (novelty.verdict === 'near-copy' || (novelty.verdict === 'new' && !gapOk)) {
      const skipReason =
        cand.rateLimited || novelty.verdict === 'new' ? 'rate-limited' : 'near-copy';
      decision = { ...common, novelty, decision: 'skip', skipReason };
    } else {
      state.novelty.recordUpload(content, thumbOnce(), t);
      const keepalive = novelty.verdict === 'keepalive';
      decision = { ...common, novelty, decision: 'upload', reason, keepalive };
    }
  } else {
    const rejectedAs: SkipReason = !inferred
      ? gate.open
        ? 'not-inferred'
        : 'gate-closed'
      : cand.rateLimited
        ? 'rate-limited'
        : 'no-detections';
    decision = state.audit.draw(settings.audit_rate)
      ? { ...common, decision: 'upload', reason: 'audit', keepalive: false, rejectedAs }
      : { ...common, decision: 'skip', skipReason: rejectedAs };
  }
  count(state.counters, decision);
  return decision;
}

function count(counters: DecisionCounters, d: FrameDecision): void {
  counters.add((c) => {
    c.sampled++;
    if (d.gateOpen) c.gated++;
    if (d.inferred) c.inferred++;
    for (const [reason, n] of Object.entries(d.rejected) as [keyof typeof c.rejected, number][])
      c.rejected[reason] += n;
    if (d.decision === 'skip') {
      c.skipped[d.skipReason]++;
      return;
    }
    c.uploaded++;
    if (d.reason === 'audit') c.audited++;
    if (d.reason === 'motion') c.motion++;
    if (d.keepalive) c.keepalive++;
  });
}
