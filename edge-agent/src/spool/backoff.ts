// Retry delay for a frame whose upload failed: exponential with "equal jitter", so retries from
// many frames spread out but a frame never waits less than half its step.

export interface BackoffPolicy {
  /** Delay step for the first retry, in ms. */
  baseMs: number;
  /** Largest step, in ms; the delay never exceeds it. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Delay before the next try after `attempts` failures (1 = first failure).
 * step = min(maxMs, baseMs * 2^(attempts-1)); delay = step/2 + random() * step/2, in [step/2, step].
 */
export function retryDelayMs(
  attempts: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const n = Math.max(1, Math.floor(attempts));
  // 2^(n-1) overflows to Infinity for huge n; min() keeps the cap.
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 1024));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(step / 2 + (r * step) / 2);
}
