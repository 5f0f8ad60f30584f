// A live camera that keeps coming back: wraps a factory of one-attempt FrameSources (one ffmpeg
// each) and reconnects forever with backoff, treating "no frame for stall_s" as a failure too.
// The decisions live in reconnect-policy.ts; this file only owns timers and the current source.
import type { FrameSource, RawFrame } from './frame-source.ts';
import {
  DEFAULT_RECONNECT_POLICY,
  attemptAfterFrame,
  backoffDelayMs,
  isStalled,
  liveRetryable,
  monotonicCaptureMs,
} from './reconnect-policy.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { SourceError, messageOf } from './source-error.ts';
import type { SourceErrorKind } from './source-error.ts';

export const SOURCE_STATES = [
  'connecting',
  'streaming',
  'stalled',
  'backing-off',
  'stopped',
] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

export interface StateChange {
  state: SourceState;
  /** Why, in words a person can act on (the decoder's message for failures). */
  reason: string;
  /** Consecutive failed attempts so far; 0 while healthy. */
  attempt: number;
  /** For 'backing-off': how long until the next attempt, ms. */
  delayMs?: number;
  /** For failures: what kind ('stalled' when no frame came for stall_s). */
  kind?: SourceErrorKind | 'stalled';
  /** Clock time of the change, ms. */
  atMs: number;
}

/** Since start, for the stats payload and /metrics. */
export interface ResilientCounters {
  /** Attempts started after a failure. */
  reconnects: number;
  stalls: number;
  frames: number;
}

/** Time source; injectable so tests and replays do not depend on the wall clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A frame from a live source: index and time continue across reconnects. */
export interface LiveFrame extends RawFrame {
  /** Wall-clock capture time (when the frame left the decoder), epoch ms, never decreasing. */
  capturedAtMs: number;
}

export interface ResilientSourceOptions {
  /** Opens one attempt (one decoder process). Called again for every reconnect. */
  open: () => FrameSource;
  /** The camera's input, for messages. */
  input: string;
  policy?: Partial<ReconnectPolicy>;
  random?: () => number;
  clock?: Clock;
  onState?: (change: StateChange) => void;
}

/** Iterate once; iteration ends only after stop(), or throws on a failure that cannot heal. */
export class ResilientSource implements AsyncIterable<LiveFrame> {
  readonly input: string;
  readonly policy: ReconnectPolicy;
  private readonly open: () => FrameSource;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly onState: (change: StateChange) => void;
  private readonly counts: ResilientCounters = { reconnects: 0, stalls: 0, frames: 0 };
  private current: FrameSource | undefined;
  private currentStopped: Promise<void> | undefined;
  private stopRequested = false;
  private wakeBackoff: (() => void) | undefined;
  private iterated = false;
  private last: StateChange;

  constructor(options: ResilientSourceOptions) {
    this.input = options.input;
    this.open = options.open;
    this.policy = { ...DEFAULT_RECONNECT_POLICY, ...options.policy };
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.onState = options.onState ?? (() => {});
    this.last = { state: 'connecting', reason: 'not started', attempt: 0, atMs: this.clock.now() };
  }

  get counters(): Readonly<ResilientCounters> {
    return { ...this.counts };
  }

  /** The latest state change. */
  get status(): Readonly<StateChange> {
    return this.last;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LiveFrame> {
    if (this.iterated) throw new SourceError('bad-options', this.input, 'iterate a source once');
    this.iterated = true;
    let attempt = 0;
    let index = 0;
    let startMs: number | undefined;
    let lastCaptureMs: number | undefined;
    try {
      for (let connect = 0; !this.stopRequested; connect++) {
        if (connect > 0) this.counts.reconnects++;
        this.emit({ state: 'connecting', reason: `connecting to ${this.input}`, attempt });
        let stalled = false;
        let lastProgress = this.clock.now();
        let streamingSince: number | undefined;
        let watchdog: unknown;
        const arm = (): void => {
          const wait = Math.max(0, lastProgress + this.policy.stallMs - this.clock.now());
          watchdog = this.clock.setTimeout(() => {
            if (!isStalled(lastProgress, this.clock.now(), this.policy)) return arm();
            stalled = true;
            this.counts.stalls++;
            this.emit({
              state: 'stalled',
              reason: `no frame for ${this.policy.stallMs / 1000} s`,
              attempt,
              kind: 'stalled',
            });
            void this.stopCurrent();
          }, wait);
        };
        let failure: { kind: SourceErrorKind | 'stalled'; reason: string } | undefined;
        try {
          this.current = this.open();
          this.currentStopped = undefined;
          arm();
          for await (const frame of this.current) {
            const now = this.clock.now();
            if (streamingSince === undefined) {
              streamingSince = now;
              this.emit({ state: 'streaming', reason: 'frames arriving', attempt });
            }
            attempt = attemptAfterFrame(attempt, streamingSince, now, this.policy);
            lastCaptureMs = monotonicCaptureMs(lastCaptureMs, now);
            startMs ??= lastCaptureMs;
            this.counts.frames++;
            // Time the consumer holds the frame is not the camera's fault: no watchdog meanwhile.
            this.clock.clearTimeout(watchdog);
            yield {
              ...frame,
              index: index++,
              ptsSeconds: (lastCaptureMs - startMs) / 1000,
              capturedAtMs: lastCaptureMs,
            };
            lastProgress = this.clock.now();
            arm();
          }
          if (!this.stopRequested)
            failure = stalled
              ? { kind: 'stalled', reason: `no frame for ${this.policy.stallMs / 1000} s` }
              : { kind: 'stream-ended', reason: `stream ended (${this.input})` };
        } catch (err) {
          const kind = err instanceof SourceError ? err.kind : 'decode-failed';
          if (stalled)
            failure = { kind: 'stalled', reason: `no frame for ${this.policy.stallMs / 1000} s` };
          else if (!this.stopRequested) failure = { kind, reason: messageOf(err) };
          if (failure && !liveRetryable(failure.kind)) {
            this.emit({ state: 'stopped', reason: failure.reason, attempt, kind: failure.kind });
            throw err instanceof SourceError
              ? err
              : new SourceError(failure.kind as SourceErrorKind, this.input, failure.reason);
          }
        } finally {
          this.clock.clearTimeout(watchdog);
          await this.stopCurrent();
          this.current = undefined;
        }
        if (!failure || this.stopRequested) break;
        attempt++;
        const delayMs = backoffDelayMs(attempt, this.random, this.policy);
        this.emit({
          state: 'backing-off',
          reason: failure.reason,
          attempt,
          delayMs,
          kind: failure.kind,
        });
        await this.sleep(delayMs);
      }
    } finally {
      this.stopRequested = true;
      await this.stopCurrent();
      this.emit({ state: 'stopped', reason: 'stopped', attempt });
    }
  }

  /** Stops the current decoder and any further attempts; resolves once the decoder has exited. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.wakeBackoff?.();
    await this.stopCurrent();
  }

  private stopCurrent(): Promise<void> {
    const source = this.current;
    if (!source) return Promise.resolve();
    this.currentStopped ??= source.stop().catch(() => undefined);
    return this.currentStopped;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => {
      // Called only after the timer is set (timers never fire synchronously).
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.wakeBackoff = done;
    });
  }

  private emit(change: Omit<StateChange, 'atMs'>): void {
    if (this.last.state === 'stopped' && change.state === 'stopped') return;
    this.last = { ...change, atMs: this.clock.now() };
    try {
      this.onState(this.last);
    } catch {
      // A listener's bug must not break the camera loop.
    }
  }
}
