// Bandwidth cap for blob uploads: a token bucket in bytes. Pure state transitions here; the
// waiting lives in BandwidthCap. A JPEG larger than the burst still goes: the bucket goes into
// debt and the caller waits until the debt is repaid, so the long-run rate never exceeds `rate`.
import { setTimeout as sleep } from 'node:timers/promises';

export interface BucketConfig {
  /** Bytes per second. */
  rate: number;
  /** Most bytes that may go at once after a quiet spell. */
  burst: number;
}

export interface BucketState {
  tokens: number;
  atMs: number;
}

export function fullBucket(cfg: BucketConfig, nowMs: number): BucketState {
  return { tokens: cfg.burst, atMs: nowMs };
}

/** Tokens earned since the last update, capped at the burst. Time going backwards earns nothing. */
export function refill(state: BucketState, cfg: BucketConfig, nowMs: number): BucketState {
  const elapsed = Math.max(0, nowMs - state.atMs);
  return {
    tokens: Math.min(cfg.burst, state.tokens + (elapsed * cfg.rate) / 1000),
    atMs: Math.max(state.atMs, nowMs),
  };
}

/** Take `cost` bytes now; `waitMs` is how long to wait before sending them. */
export function reserve(
  state: BucketState,
  cfg: BucketConfig,
  cost: number,
  nowMs: number,
): { state: BucketState; waitMs: number } {
  const r = refill(state, cfg, nowMs);
  const tokens = r.tokens - cost;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / cfg.rate);
  return { state: { tokens, atMs: r.atMs }, waitMs };
}

/** Why a cap is unusable, or undefined. */
export function bucketProblem(cfg: BucketConfig): string | undefined {
  if (!Number.isFinite(cfg.rate) || cfg.rate <= 0)
    return 'rate must be a positive number of bytes/s';
  if (!Number.isFinite(cfg.burst) || cfg.burst <= 0)
    return 'burst must be a positive number of bytes';
  return undefined;
}

/** The token bucket with a clock, for the uplink. */
export class BandwidthCap {
  readonly config: BucketConfig;
  #state: BucketState;
  readonly #clock: () => number;

  constructor(cfg: BucketConfig, clock: () => number = Date.now) {
    const bad = bucketProblem(cfg);
    if (bad) throw new TypeError(`bandwidth cap: ${bad}`);
    this.config = cfg;
    this.#clock = clock;
    this.#state = fullBucket(cfg, clock());
  }

  /** Resolves when `bytes` may be sent; rejects if `signal` fires while waiting. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const r = reserve(this.#state, this.config, bytes, this.#clock());
    this.#state = r.state;
    if (r.waitMs > 0) await sleep(r.waitMs, undefined, signal ? { signal } : undefined);
  }
}
