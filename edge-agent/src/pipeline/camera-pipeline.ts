// One camera's per-frame path: sample → grey → gate → (detector) → decide → redact → JPEG →
// payload → sink. Settings are read per frame from settingsAt(config, camera, capturedAt), so
// schedule windows and live reloads apply without a restart. A frame that fails is caught,
// logged once per kind, counted, and the pipeline carries on.
import { createHash } from 'node:crypto';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import type { EdgeConfig, ResolvedEdgeCamera } from '@pretag/shared/config/edge-schema';
import { settingsAt } from '@pretag/shared/config/resolve';
import type { Detection } from '@pretag/shared/detection/types';
import type { Detector } from '@pretag/shared/detector/types';
import { MAX_EDGE_DETECTIONS, PAYLOAD_VERSION } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { createDecisionState, decideFrame, shouldInfer } from '../decide/decide-frame.ts';
import type { CameraDecisionState, FrameDecision } from '../decide/decide-frame.ts';
import { FrameGate } from '../gate/frame-gate.ts';
import type { GateResult } from '../gate/frame-gate.ts';
import { initialSampling, nextInterval, withSamplingConfig } from '../gate/adaptive-sampling.ts';
import type { SamplingState } from '../gate/adaptive-sampling.ts';
import { redactionOptionsFor } from '../privacy/options.ts';
import { redactFaces } from '../privacy/redact.ts';
import type { RawFrame } from '../sources/frame-source.ts';
import { frameIdFor } from './frame-id.ts';
import { FrameSkipper } from './frame-skipper.ts';
import { AnalysisGray } from './gray.ts';
import { ErrorTally } from './once-logger.ts';
import type { PipelineLog } from './once-logger.ts';

/** Where uploaded frames go: the agent's spool, or replay's files. */
export type FrameSink = (payload: FramePayload, jpeg: Buffer) => Promise<void>;

export interface CameraPipelineOptions {
  camera: string;
  /** The config in force; called per frame so a reload applies at the next frame. */
  config: () => EdgeConfig;
  /** The rate the source decodes at (the camera's max_fps when the source was opened). */
  sourceFps: number;
  detector: Pick<Detector, 'detect' | 'info'>;
  /** Without one, redaction covers only head regions of detected persons. */
  faceDetector?: Pick<Detector, 'detect'> | undefined;
  /** Overrides the camera's redact_faces (replay --no-redact). */
  redact?: boolean;
  jpegQuality?: number;
  sink: FrameSink;
  logger?: PipelineLog | undefined;
  /** Seed of the audit draws (replays are reproducible). */
  seed?: number;
}

/** Per-stage counts beyond the decision counters. */
export interface PipelineCounts {
  decoded: number;
  /** Uploads dropped because redaction failed (never sent unredacted). */
  redactionDropped: number;
  /** Uploads the sink refused or failed on. */
  sinkFailed: number;
  uploadedBytes: number;
  /** Pre-filter detector time, ms (every inference it ran). */
  inferenceMs: number;
  /** Face detector time, ms (part of faceMs). */
  faceInferenceMs: number;
  /** Redaction and JPEG encoding of uploaded frames, face detector included, ms. */
  faceMs: number;
}

/** What happened to one sampled frame (a decisions.jsonl line). */
export interface FrameRecord {
  t: number;
  capturedAt: string;
  /** Index among decoded frames (at the source's rate). */
  index: number;
  width: number;
  height: number;
  motionScore: number;
  gate: 'open' | 'closed';
  sceneChange: boolean;
  inferred: boolean;
  detections: Detection[];
  /** Detections of a class of interest between presence_score and min_score (when any). */
  weak?: Detection[];
  decision: 'upload' | 'skip' | 'dropped' | 'error';
  reason?: string;
  skipReason?: string;
  keepalive?: boolean;
  frameId?: string;
  bytes?: number;
  error?: string;
}

export class CameraPipeline {
  readonly camera: string;
  readonly decision: CameraDecisionState;
  readonly errors: ErrorTally;
  readonly counts: PipelineCounts = {
    decoded: 0,
    redactionDropped: 0,
    sinkFailed: 0,
    uploadedBytes: 0,
    inferenceMs: 0,
    faceInferenceMs: 0,
    faceMs: 0,
  };
  /** The settings the last sampled frame ran with (health shows the thresholds). */
  lastSettings: ResolvedEdgeCamera | undefined;
  lastFrameAt: number | undefined;
  readonly #o: CameraPipelineOptions;
  readonly #skipper: FrameSkipper;
  #gate: FrameGate | undefined;
  #sampling: SamplingState | undefined;
  #seq = 0;
  readonly #gray = new AnalysisGray();

  constructor(options: CameraPipelineOptions) {
    this.#o = options;
    this.camera = options.camera;
    this.#skipper = new FrameSkipper(options.sourceFps);
    const first = settingsAt(options.config(), options.camera, new Date()).settings;
    this.decision = createDecisionState(first, { seed: options.seed ?? Date.now() });
    this.errors = new ErrorTally(options.logger);
  }

  get currentFps(): number | undefined {
    return this.#sampling?.fps;
  }

  /**
   * One decoded frame at `t` seconds on the camera's clock, captured at `capturedAt`.
   * Resolves undefined when sampling skips it; never rejects.
   */
  async process(raw: RawFrame, t: number, capturedAt: Date): Promise<FrameRecord | undefined> {
    this.counts.decoded++;
    if (!this.#skipper.due(t)) return undefined;
    this.lastFrameAt = Date.now();
    let stage = 'settings';
    let scheduled = false;
    try {
      const settings = settingsAt(this.#o.config(), this.camera, capturedAt).settings;
      this.lastSettings = settings;
      // The source's rate caps the sampling rate (it was opened at the then max_fps).
      const sampling = {
        sample_fps: Math.min(settings.sample_fps, this.#o.sourceFps),
        max_fps: Math.min(settings.max_fps, this.#o.sourceFps),
      };
      this.#sampling = this.#sampling
        ? withSamplingConfig(this.#sampling, sampling)
        : initialSampling(sampling);

      stage = 'gate';
      const gray = this.#gray.from(raw.data, raw.width, raw.height);
      this.#gate ??= new FrameGate(settings);
      this.#gate.setSettings(settings);
      const gate = this.#gate.process(gray, t);

      stage = 'detector';
      const infer = shouldInfer(this.decision, t, gate, settings).infer;
      let detections: Detection[] | undefined;
      const image = { width: raw.width, height: raw.height, data: raw.data };
      if (infer) {
        const t0 = performance.now();
        detections = await this.#o.detector.detect(image);
        this.counts.inferenceMs += performance.now() - t0;
      }

      stage = 'decide';
      const d = decideFrame(this.decision, {
        t,
        settings,
        frame: { width: raw.width, height: raw.height },
        gray,
        gate,
        detections,
      });
      const next = nextInterval(
        this.#sampling,
        { activity: gate.motion.motion || d.detections.length > 0 },
        t,
      );
      this.#sampling = next.state;
      this.#skipper.sampled(t, next.intervalS);
      scheduled = true;

      const record = recordOf(raw, t, capturedAt, gate, d);
      if (d.decision === 'skip') return record;
      stage = 'upload';
      return await this.#upload(image, settings, d, capturedAt, record);
    } catch (err) {
      // The frame still counts as sampled so the skipper moves on.
      if (!scheduled) this.#skipper.sampled(t, 1 / (this.#sampling?.fps ?? this.#o.sourceFps));
      this.errors.record(stage, err, { camera: this.camera });
      return {
        t,
        capturedAt: capturedAt.toISOString(),
        index: raw.index,
        width: raw.width,
        height: raw.height,
        motionScore: 0,
        gate: 'closed',
        sceneChange: false,
        inferred: false,
        detections: [],
        decision: 'error',
        error: `${stage}: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  async #upload(
    image: { width: number; height: number; data: Uint8Array },
    settings: ResolvedEdgeCamera,
    d: FrameDecision & { decision: 'upload' },
    capturedAt: Date,
    record: FrameRecord,
  ): Promise<FrameRecord> {
    const enabled = this.#o.redact ?? settings.redact_faces;
    const face = enabled ? this.#o.faceDetector : undefined;
    const t0 = performance.now();
    const red = await redactFaces(image, {
      settings: redactionOptionsFor(
        { redact_faces: enabled },
        { jpeg_quality: this.#o.jpegQuality ?? 85 },
      ),
      detections: d.detections,
      faceDetector: face && {
        detect: async (img) => {
          const f0 = performance.now();
          try {
            return await face.detect(img);
          } finally {
            this.counts.faceInferenceMs += performance.now() - f0;
          }
        },
      },
      output: 'jpeg',
    });
    this.counts.faceMs += performance.now() - t0;
    if (!red.ok) {
      this.counts.redactionDropped++;
      this.errors.record(`redact-${red.stage}`, red.error, { camera: this.camera });
      return {
        ...record,
        decision: 'dropped',
        error: `redaction failed (${red.stage}): ${red.error}`,
      };
    }
    const jpeg = red.image as Buffer;
    const cfg = this.#o.config();
    const frameId = frameIdFor(this.camera, capturedAt.getTime(), this.#seq++);
    const payload: FramePayload = {
      v: PAYLOAD_VERSION,
      frameId,
      capturedAt: capturedAt.toISOString(),
      site: cfg.site,
      device: cfg.device,
      camera: this.camera,
      blobKey: frameBlobKey({ site: cfg.site, camera: this.camera, capturedAt, frameId }),
      width: image.width,
      height: image.height,
      sha256: createHash('sha256').update(jpeg).digest('hex'),
      bytes: jpeg.length,
      reason: d.reason,
      // Weak detections are what made a `motion` upload of a frame without accepted ones; the
      // thresholds sent along (minScore) tell them apart.
      detections: (d.detections.length > 0 ? d.detections : d.weak).slice(0, MAX_EDGE_DETECTIONS),
      motionScore: Math.min(1, Math.max(0, d.motionScore)),
      thresholds: d.thresholds,
      modelId: this.#o.detector.info.modelId,
    };
    try {
      await this.#o.sink(payload, jpeg);
    } catch (err) {
      this.counts.sinkFailed++;
      this.errors.record('sink', err, { camera: this.camera });
      return { ...record, decision: 'dropped', frameId, error: `sink: ${String(err)}` };
    }
    this.counts.uploadedBytes += jpeg.length;
    return { ...record, frameId, bytes: jpeg.length };
  }
}

function recordOf(
  raw: RawFrame,
  t: number,
  capturedAt: Date,
  gate: GateResult,
  d: FrameDecision,
): FrameRecord {
  const base: FrameRecord = {
    t,
    capturedAt: capturedAt.toISOString(),
    index: raw.index,
    width: raw.width,
    height: raw.height,
    motionScore: round(gate.motion.score, 5),
    gate: gate.open ? 'open' : 'closed',
    sceneChange: gate.scene.changed,
    inferred: d.inferred,
    detections: d.detections.map(rounded),
    ...(d.weak.length > 0 && { weak: d.weak.map(rounded) }),
    decision: d.decision,
  };
  return d.decision === 'upload'
    ? { ...base, reason: d.reason, keepalive: d.keepalive }
    : { ...base, skipReason: d.skipReason };
}

function rounded(x: Detection): Detection {
  return {
    label: x.label,
    score: round(x.score, 3),
    box: x.box.map((v) => round(v, 1)) as Detection['box'],
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
