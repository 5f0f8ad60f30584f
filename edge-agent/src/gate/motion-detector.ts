// Motion on a downscaled grey image against a running-average background. The shape follows
// Frigate's improved motion detector (downscale, mask, blur, absolute difference, threshold,
// dilate, blobs, a lighting guard that recalibrates); the code is our own, and differs where
// 1-4 fps sampling needs it: contrast scales the difference instead of the frames, small exposure
// steps are compensated, and a blob that stops changing is learnt at once (no lingering ghosts).
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { connectedComponents } from './components.ts';
import type { ComponentScratch } from './components.ts';
import { boxBlur, ContrastGain, dilate3x3Sparse, histogram, percentile } from './filters.ts';
import { analysisSize, checkGrayFrame, downscale, GateInputError } from './gray-frame.ts';
import type { GrayFrame } from './gray-frame.ts';
import { PolygonMask } from './polygon-mask.ts';

/** `motion:` from edge.yaml: threshold, min_area, global_change, learning_rate, masks. */
export type MotionConfig = EdgeSettings['motion'];

/** The motion settings of a camera, with its camera-wide masks added to the motion-only ones. */
export function motionConfigFor(settings: Pick<EdgeSettings, 'motion' | 'masks'>): MotionConfig {
  return { ...settings.motion, masks: [...settings.motion.masks, ...settings.masks] };
}

/** Tuning that edge.yaml does not expose; the defaults suit 1-4 fps sampling. */
export interface MotionOptions {
  /** Rows of the analysed image (never upscaled). */
  height?: number;
  /** Box-blur radius in analysed pixels; 0 turns blurring off. */
  blurRadius?: number;
  /** Scale differences by the scene's contrast range (helps dim, flat scenes). */
  improveContrast?: boolean;
  /** Blobs smaller than this fraction of the frame are noise and dropped. */
  minBlobArea?: number;
  /** Share of `learning_rate` used where there is motion, so a walker does not burn into the background. */
  foregroundRate?: number;
  /** Background weight while recalibrating after a lighting change. */
  calibrationRate?: number;
  /**
   * A blob in which no pixel changed from one frame to the next for this long is not moving: it
   * is learnt into the background at once. This clears the "ghost" an object leaves behind when
   * it goes, and stops a parked object from holding the gate open.
   */
  stillSeconds?: number;
  /** Compensate small whole-frame exposure steps (auto exposure, dimming) before differencing. */
  exposureCompensation?: boolean;
  /** Largest exposure step compensated (0.25: ±25 %); bigger steps are left to the global guard. */
  maxExposureStep?: number;
  /** Recalibration ends once less than this share of the frame differs... */
  settleShare?: number;
  /** ...or after this many frames at most. */
  maxCalibrationFrames?: number;
}

/** Rows of the analysed image by default; the pipeline makes its grey frames at this size. */
export const MOTION_ANALYSIS_ROWS = 180;

const DEFAULTS: Required<MotionOptions> = {
  height: MOTION_ANALYSIS_ROWS,
  blurRadius: 1,
  improveContrast: true,
  minBlobArea: 0.0005,
  foregroundRate: 0.2,
  stillSeconds: 1.5,
  exposureCompensation: true,
  maxExposureStep: 0.25,
  calibrationRate: 0.5,
  settleShare: 0.05,
  maxCalibrationFrames: 5,
};

export interface MotionResult {
  /** True when changed blobs cover at least `min_area` and it is not a global change. */
  motion: boolean;
  /** Fraction of the frame in changed blobs (after noise removal); 0 during a global change. */
  score: number;
  /** One box per blob, normalised xyxy (0..1 of the frame's width and height). */
  boxes: BoxXYXY[];
  /** The frame changed almost everywhere at once (lights, exposure): no motion reported. */
  globalChange: boolean;
  /** Background just (re)seeded or still settling after a global change. */
  calibrating: boolean;
  /** Raw share of the unmasked frame whose difference crossed the threshold (diagnostic). */
  changedShare: number;
}

export class MotionDetector {
  readonly #opts: Required<MotionOptions>;
  #config: MotionConfig;
  #mask: PolygonMask;
  #contrast: ContrastGain;
  #background: Float32Array | undefined;
  #size: { width: number; height: number } | undefined;
  /** Frames of recalibration left; 0 when settled. */
  #calibrationLeft = 0;
  /** The previous prepared frame, for frame-to-frame change. */
  #previous: Float32Array | undefined;
  #previousMedian = 0;
  /** Per pixel: the last time (s) it changed from one frame to the next. */
  #lastMoved: Float64Array | undefined;
  /** Working buffers for the current analysis size, reused frame to frame (less GC). */
  #scratch: Scratch | undefined;

  constructor(config: MotionConfig, options: MotionOptions = {}) {
    this.#opts = { ...DEFAULTS, ...options };
    this.#config = config;
    this.#mask = new PolygonMask(config.masks);
    this.#contrast = new ContrastGain();
  }

  /** Applies new settings (a config reload) without losing the learnt background. */
  setConfig(config: MotionConfig): void {
    if (JSON.stringify(config.masks) !== JSON.stringify(this.#config.masks)) {
      this.#mask = new PolygonMask(config.masks);
      this.#background = undefined;
    }
    this.#config = config;
  }

  /** Forgets the background: the next frame becomes it (after a scene change or a restart). */
  reseed(): void {
    this.#background = undefined;
    this.#contrast.reset();
  }

  /**
   * Analyses one frame taken at `t` seconds (any monotonic clock) and learns from it. Throws
   * GateInputError for an unusable frame.
   */
  detect(frame: GrayFrame, t: number): MotionResult {
    checkGrayFrame(frame);
    if (!Number.isFinite(t))
      throw new GateInputError(`frame time must be a finite number, got ${t}`);
    const o = this.#opts;
    const { width, height } = analysisSize(frame.width, frame.height, o.height);
    if (this.#size?.width !== width || this.#size.height !== height) {
      this.#size = { width, height };
      this.#background = undefined;
    }
    const mask = this.#mask.empty ? undefined : this.#mask.at(width, height);
    const img = this.#prepare(frame, width, height, mask);
    const { hist, total } = histogram(img, mask);
    const gain = o.improveContrast ? this.#contrast.update(hist, total) : 1;
    const imgMedian = percentile(hist, total, 0.5);
    const prevMedian = this.#previousMedian;
    this.#previousMedian = imgMedian;
    const bg = this.#background;
    const prev = this.#previous;
    const lastMoved = this.#lastMoved;
    if (bg === undefined || prev === undefined || lastMoved === undefined) return this.#seed(img);
    this.#previous = img;

    const n = width * height;
    const scratch = this.#scratchFor(n);
    const changed = scratch.changed;
    changed.fill(0);
    const threshold = this.#config.threshold;
    let changedCount = 0;
    // Auto exposure moves every pixel by the same factor; undo small steps before comparing.
    const ratio = (ref: number) =>
      o.exposureCompensation ? exposureRatio(ref, imgMedian, o.maxExposureStep) : 1;
    const toBg = ratio(o.exposureCompensation ? medianOf(bg, mask) : 0);
    const toPrev = ratio(prevMedian);
    for (let i = 0; i < n; i++) {
      if (mask !== undefined && mask[i] !== 0) continue;
      const v = img[i] as number;
      if (Math.abs(v * toBg - (bg[i] as number)) * gain > threshold) {
        changed[i] = 1;
        scratch.changedAt[changedCount++] = i;
      }
      if (Math.abs(v * toPrev - (prev[i] as number)) * gain > threshold) lastMoved[i] = t;
    }
    const unmasked = mask ? this.#mask.unmaskedCount(width, height) : n;
    const changedShare = unmasked > 0 ? changedCount / unmasked : 0;

    if (changedShare > this.#config.global_change) {
      // Lights or exposure: not motion. Start again from this frame and settle quickly.
      this.#contrast.reset();
      if (o.improveContrast) this.#contrast.update(hist, total);
      this.#background = img.slice();
      lastMoved.fill(-Infinity);
      this.#calibrationLeft = o.maxCalibrationFrames;
      return { ...noMotion(), globalChange: true, calibrating: true, changedShare };
    }

    // Nothing changed (a quiet scene): no blobs, and every pixel learns at the background rate.
    let labels: Int32Array | undefined;
    let components: ReturnType<typeof connectedComponents>['components'] = [];
    let moving = new Uint8Array(1);
    // Rows that can hold a blob: those of changed pixels, grown by the dilation.
    let fromRow = 0;
    let toRow = 0;
    if (changedCount > 0) {
      const at = scratch.changedAt;
      fromRow = Math.max(0, Math.floor((at[0] as number) / width) - 1);
      toRow = Math.min(height, Math.floor((at[changedCount - 1] as number) / width) + 2);
      const grown = dilate3x3Sparse(at, changedCount, width, height, scratch.grown);
      if (mask) for (let i = 0; i < n; i++) if (mask[i]) grown[i] = 0;
      ({ components, labels } = connectedComponents(
        grown,
        width,
        height,
        changed,
        scratch.components,
        fromRow,
        toRow,
      ));
      // A blob is moving when any of its pixels changed between frames within stillSeconds.
      moving = new Uint8Array(components.length + 1);
      const since = t - o.stillSeconds;
      for (let i = fromRow * width; i < toRow * width; i++) {
        const l = labels[i] as number;
        if (l !== 0 && (lastMoved[i] as number) >= since) moving[l] = 1;
      }
    }
    const minBlob = o.minBlobArea * n;
    let counted = 0;
    const boxes: BoxXYXY[] = [];
    components.forEach((c, k) => {
      if (!moving[k + 1] || c.counted < minBlob) return;
      counted += c.counted;
      boxes.push([c.x1 / width, c.y1 / height, c.x2 / width, c.y2 / height]);
    });
    const score = counted / n;

    // Settling after a global change: done once little differs, or after maxCalibrationFrames.
    if (this.#calibrationLeft > 0)
      this.#calibrationLeft = changedShare < o.settleShare ? 0 : this.#calibrationLeft - 1;
    const calibrating = this.#calibrationLeft > 0;
    const rate = this.#config.learning_rate;
    const fgRate = calibrating ? o.calibrationRate : rate * o.foregroundRate;
    const bgRate = calibrating ? o.calibrationRate : rate;
    // Outside the blob rows every pixel learns at the background rate.
    const blobFrom = labels === undefined ? 0 : fromRow * width;
    const blobTo = labels === undefined ? 0 : toRow * width;
    for (let i = 0; i < blobFrom; i++)
      bg[i] = (bg[i] as number) + bgRate * ((img[i] as number) - (bg[i] as number));
    if (labels !== undefined)
      for (let i = blobFrom; i < blobTo; i++) {
        const l = labels[i] as number;
        // Still blobs are learnt at once; moving ones slowly; the rest at the normal rate.
        const a = l === 0 ? bgRate : moving[l] ? fgRate : 1;
        bg[i] = (bg[i] as number) + a * ((img[i] as number) - (bg[i] as number));
      }
    for (let i = blobTo; i < n; i++)
      bg[i] = (bg[i] as number) + bgRate * ((img[i] as number) - (bg[i] as number));
    if (calibrating) return { ...noMotion(), globalChange: true, calibrating: true, changedShare };
    return {
      motion: score >= this.#config.min_area && score > 0,
      score,
      boxes,
      globalChange: false,
      calibrating: false,
      changedShare,
    };
  }

  /** Downscale, zero the masked pixels (so mask edges blur the same in frame and background), blur. */
  #prepare(frame: GrayFrame, width: number, height: number, mask?: Uint8Array): Float32Array {
    const s = this.#scratchFor(width * height);
    const small = downscale(frame, width, height, s.small);
    if (mask) for (let i = 0; i < small.length; i++) if (mask[i]) small[i] = 0;
    // The prepared frame is kept as #previous until the next one: write the other buffer.
    const out = s.prepared[0] === this.#previous ? s.prepared[1] : s.prepared[0];
    return boxBlur(small, width, height, this.#opts.blurRadius, out, s.blurTmp);
  }

  #scratchFor(n: number): Scratch {
    if (this.#scratch?.small.length !== n) this.#scratch = newScratch(n);
    return this.#scratch;
  }

  #seed(img: Float32Array): MotionResult {
    this.#background = img.slice();
    this.#previous = img;
    this.#lastMoved = new Float64Array(img.length).fill(-Infinity);
    this.#calibrationLeft = 0;
    return { ...noMotion(), calibrating: true };
  }
}

interface Scratch {
  small: Float32Array;
  blurTmp: Float32Array;
  prepared: [Float32Array, Float32Array];
  changed: Uint8Array;
  /** Indices of the changed pixels, in raster order. */
  changedAt: Int32Array;
  grown: Uint8Array;
  components: ComponentScratch;
}

function newScratch(n: number): Scratch {
  return {
    small: new Float32Array(n),
    blurTmp: new Float32Array(n),
    prepared: [new Float32Array(n), new Float32Array(n)],
    changed: new Uint8Array(n),
    changedAt: new Int32Array(n),
    grown: new Uint8Array(n),
    components: { labels: new Int32Array(n), parent: new Int32Array(n + 1) },
  };
}

function medianOf(img: Float32Array, mask: Uint8Array | undefined): number {
  const { hist, total } = histogram(img, mask);
  return total > 0 ? percentile(hist, total, 0.5) : 0;
}

/**
 * Factor that brings a frame's exposure to a reference's, from their medians (a person walking
 * by barely moves the median). 1 when either is too dark to tell or the step exceeds `maxStep`.
 */
function exposureRatio(refMedian: number, imgMedian: number, maxStep: number): number {
  if (refMedian < 16 || imgMedian < 16) return 1;
  const r = refMedian / imgMedian;
  return Math.abs(r - 1) <= maxStep ? r : 1;
}

function noMotion(): MotionResult {
  return {
    motion: false,
    score: 0,
    boxes: [],
    globalChange: false,
    calibrating: false,
    changedShare: 0,
  };
}
