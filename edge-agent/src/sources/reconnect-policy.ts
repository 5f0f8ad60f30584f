// Pure decisions of the reconnect loop: backoff delay, which failures are worth retrying, when a
// stream counts as stalled and when it has been stable long enough to forget past failures.
// No timers or processes here, so every rule is table-tested with plain numbers.
import type { SourceErrorKind } from './source-error.ts';

export interface ReconnectPolicy {
  /** First backoff step, ms. */
  baseMs: number;
  /** Largest backoff step, ms. */
  capMs: number;
  /** No frame for this long while connected or connecting means the stream is stalled, ms. */
  stallMs: number;
  /** Streaming this long without a failure resets the backoff to its first step, ms. */
  stableMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  baseMs: 1_000,
  capMs: 60_000,
  stallMs: 10_000,
  stableMs: 30_000,
};

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * step = min(cap, base × 2^(attempt−1)); delay = random() × step, in [0, step).
 * Full jitter spreads many cameras behind one failed switch so they do not reconnect in lockstep.
 * `attempt` is the number of consecutive failures so far (1 = the first).
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  policy: Pick<ReconnectPolicy, 'baseMs' | 'capMs'> = DEFAULT_RECONNECT_POLICY,
): number {
  return Math.floor(clamp01(random()) * backoffStepMs(attempt, policy));
}

/** The upper bound of the delay after `attempt` consecutive failures. */
export function backoffStepMs(
  attempt: number,
  policy: Pick<ReconnectPolicy, 'baseMs' | 'capMs'> = DEFAULT_RECONNECT_POLICY,
): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for huge n; min() keeps the cap.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n - 1, 1024));
}

/**
 * Whether a live camera's failure is worth another attempt. A camera can come back from anything
 * except a missing decoder or impossible options: a rebooting camera may answer with garbage
 * ('not-video') and an unplugged USB camera's /dev/videoN vanishes ('no-such-input') until it is
 * plugged back. Wider than isRetryable(), which is about one decoding attempt of any input.
 */
export function liveRetryable(kind: SourceErrorKind | 'stalled'): boolean {
  return kind !== 'ffmpeg-not-found' && kind !== 'bad-options';
}

/** True when nothing arrived for the stall period; `lastProgressMs` is the later of connect start and last frame. */
export function isStalled(
  lastProgressMs: number,
  nowMs: number,
  policy: Pick<ReconnectPolicy, 'stallMs'> = DEFAULT_RECONNECT_POLICY,
): boolean {
  return nowMs - lastProgressMs >= policy.stallMs;
}

/**
 * The consecutive-failure count to use after a frame arrives: back to 0 once the stream has
 * been delivering for the stable period, so one blip after hours of streaming waits ~1 s, not 60.
 */
export function attemptAfterFrame(
  attempt: number,
  streamingSinceMs: number,
  nowMs: number,
  policy: Pick<ReconnectPolicy, 'stableMs'> = DEFAULT_RECONNECT_POLICY,
): number {
  return nowMs - streamingSinceMs >= policy.stableMs ? 0 : attempt;
}

/** Capture time of a frame on the source's own timeline: wall clock, but never going backwards. */
export function monotonicCaptureMs(previousMs: number | undefined, wallMs: number): number {
  return previousMs === undefined ? wallMs : Math.max(previousMs, wallMs);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1 - Number.EPSILON, Math.max(0, x)) : 0;
}
