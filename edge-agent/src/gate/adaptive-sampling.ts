// Adaptive sampling: look at `sample_fps` frames a second while the camera is quiet, rise to
// `max_fps` while there is activity (motion or detections), and fall back only after a quiet
// hold, one step at a time, so a person pausing for a moment does not drop the rate.
// A pure state machine: the caller owns the state and the clock.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';

export type SamplingConfig = Pick<EdgeSettings, 'sample_fps' | 'max_fps'>;

export interface SamplingOptions {
  /** Factor the rate is multiplied by on each active frame (Infinity: straight to max_fps). */
  rise?: number;
  /** Seconds without activity before the rate starts to fall. */
  holdSeconds?: number;
  /** Factor the rate is multiplied by on each step down (0..1). */
  fall?: number;
  /** Seconds between steps down once falling. */
  stepSeconds?: number;
}

export interface SamplingState {
  readonly config: SamplingConfig;
  readonly options: Required<SamplingOptions>;
  /** The current rate. */
  readonly fps: number;
  /** Time (s) of the last active frame, if any. */
  readonly lastActivity: number | undefined;
  /** Time (s) of the last step down since the last activity; undefined before the first. */
  readonly lastStep: number | undefined;
}

/** What the frame just processed showed. */
export interface SamplingEvent {
  /** Motion or accepted detections in the frame. */
  activity: boolean;
}

export interface SamplingDecision {
  state: SamplingState;
  /** Seconds until the next frame should be sampled: 1 / state.fps. */
  intervalS: number;
}

const DEFAULTS: Required<SamplingOptions> = {
  rise: Infinity,
  holdSeconds: 5,
  fall: 0.5,
  stepSeconds: 2,
};

function checkConfig(c: SamplingConfig, o: Required<SamplingOptions>): void {
  if (!(c.sample_fps > 0) || !Number.isFinite(c.sample_fps))
    throw new RangeError(`sample_fps must be a positive number, got ${c.sample_fps}`);
  if (!(c.max_fps >= c.sample_fps) || !Number.isFinite(c.max_fps))
    throw new RangeError(`max_fps must be at least sample_fps (${c.sample_fps}), got ${c.max_fps}`);
  if (!(o.rise > 1)) throw new RangeError(`rise must be above 1, got ${o.rise}`);
  if (!(o.fall > 0 && o.fall < 1))
    throw new RangeError(`fall must be between 0 and 1, got ${o.fall}`);
  if (!(o.holdSeconds >= 0) || !(o.stepSeconds >= 0))
    throw new RangeError('holdSeconds and stepSeconds must be zero or more');
}

/** The quiet starting state. Throws RangeError with the reason for impossible settings. */
export function initialSampling(
  config: SamplingConfig,
  options: SamplingOptions = {},
): SamplingState {
  const o = { ...DEFAULTS, ...options };
  checkConfig(config, o);
  return {
    config,
    options: o,
    fps: config.sample_fps,
    lastActivity: undefined,
    lastStep: undefined,
  };
}

/** The same state under new settings (a config reload): the rate is clamped into the new range. */
export function withSamplingConfig(state: SamplingState, config: SamplingConfig): SamplingState {
  checkConfig(config, state.options);
  const fps = Math.min(config.max_fps, Math.max(config.sample_fps, state.fps));
  return { ...state, config, fps };
}

/** Advances the state with the frame processed at `now` (seconds) and says when to sample next. */
export function nextInterval(
  state: SamplingState,
  event: SamplingEvent,
  now: number,
): SamplingDecision {
  const { config, options } = state;
  let { fps, lastActivity, lastStep } = state;
  if (event.activity) {
    fps = Math.min(config.max_fps, fps * options.rise);
    lastActivity = now;
    lastStep = undefined;
  } else if (fps > config.sample_fps && lastActivity !== undefined) {
    // First step once the hold has passed, then one step per stepSeconds.
    const due =
      now - lastActivity >= options.holdSeconds &&
      (lastStep === undefined || now - lastStep >= options.stepSeconds);
    if (due) {
      fps = Math.max(config.sample_fps, fps * options.fall);
      lastStep = now;
    }
  }
  const next: SamplingState = { config, options, fps, lastActivity, lastStep };
  return { state: next, intervalS: 1 / fps };
}
