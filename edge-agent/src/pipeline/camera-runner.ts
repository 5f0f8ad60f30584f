// Keeps one camera's pipeline fed. A live camera (RTSP, V4L2) runs through ResilientSource, which
// owns stall detection and the reconnect policy; a file camera (looped at its own pace) reopens
// with exponential backoff and jitter here. One camera failing never touches another.
import type { Logger } from '@pretag/shared/log/logger';
import { sourceKind } from '@pretag/shared/config/edge-schema';
import { ResilientSource, openFrameSource } from '../sources/index.ts';
import type { StateChange } from '../sources/index.ts';
import { sourceError } from '../sources/source-error.ts';
import type { FrameSource, SourceOptions } from '../sources/index.ts';
import { withFileGeometry } from './camera-input.ts';
import { CameraPipeline } from './camera-pipeline.ts';
import type { CameraPipelineOptions } from './camera-pipeline.ts';

export type CameraState = 'starting' | 'streaming' | 'reconnecting' | 'stopped';

export interface CameraRunnerOptions {
  pipeline: CameraPipelineOptions;
  source: SourceOptions;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** No frame for this long: the stream is stalled and is reopened. */
  stallS?: number;
  maxBackoffS?: number;
}

export class CameraRunner {
  readonly camera: string;
  readonly pipeline: CameraPipeline;
  state: CameraState = 'starting';
  restarts = 0;
  lastError: string | undefined;
  readonly startedAt = Date.now();
  readonly #o: CameraRunnerOptions;
  #source: Pick<FrameSource, 'stop'> | undefined;
  #stopping = false;
  #done: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(options: CameraRunnerOptions) {
    this.#o = options;
    this.camera = options.pipeline.camera;
    this.pipeline = new CameraPipeline(options.pipeline);
  }

  start(): void {
    const kind = sourceKind(this.#o.source.input);
    this.#done ??= kind === 'rtsp' || kind === 'v4l2' ? this.#runLive() : this.#run();
  }

  /** Stops the decoder and waits for the frame in flight to reach the sink. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#source?.stop();
    await this.#done;
    await this.#inFlight;
    this.state = 'stopped';
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      this.state = this.restarts === 0 && failures === 0 ? 'starting' : 'reconnecting';
      let source: FrameSource;
      try {
        source = openFrameSource(await withFileGeometry(this.#o.source));
      } catch (err) {
        failures++;
        await this.#failed(err, failures);
        continue;
      }
      this.#source = source;
      const stall = this.#watchStall(source);
      try {
        for await (const raw of source) {
          if (this.#stopping) break;
          this.state = 'streaming';
          failures = 0;
          stall.seen();
          // One clock across reconnects: the gate and sampling state must never see time go back.
          const work = this.pipeline.process(raw, (Date.now() - this.startedAt) / 1000, new Date());
          this.#inFlight = work;
          await work;
        }
        if (!this.#stopping) throw sourceError('stream-ended', this.#o.source.input);
      } catch (err) {
        if (this.#stopping) break;
        failures++;
        await this.#failed(err, failures);
      } finally {
        stall.clear();
        await source.stop();
      }
    }
    this.state = 'stopped';
  }

  async #runLive(): Promise<void> {
    const options = this.#o.source;
    const live = new ResilientSource({
      open: () => openFrameSource(options),
      input: options.input,
      policy: {
        stallMs: (this.#o.stallS ?? 15) * 1000,
        capMs: (this.#o.maxBackoffS ?? 30) * 1000,
      },
      onState: (c) => this.#onLiveState(c, live),
    });
    this.#source = live;
    try {
      for await (const raw of live) {
        if (this.#stopping) break;
        // One clock across reconnects: the gate and sampling state must never see time go back.
        const work = this.pipeline.process(raw, (Date.now() - this.startedAt) / 1000, new Date());
        this.#inFlight = work;
        await work;
      }
    } catch (err) {
      // Only failures no retry can heal end the loop (ffmpeg missing, invalid options).
      this.lastError = err instanceof Error ? err.message : String(err);
      this.#o.logger.error(
        { camera: this.camera, err: this.lastError },
        'camera source cannot start; not retrying',
      );
    } finally {
      await live.stop();
      this.state = 'stopped';
    }
  }

  #onLiveState(c: StateChange, live: ResilientSource): void {
    this.restarts = live.counters.reconnects;
    if (c.state === 'streaming') this.state = 'streaming';
    else if (c.state === 'connecting')
      this.state = this.restarts === 0 && c.attempt === 0 ? 'starting' : 'reconnecting';
    else if (c.state === 'stalled' || c.state === 'backing-off') {
      this.state = 'reconnecting';
      this.lastError = c.reason;
      if (c.state === 'backing-off' && !this.#stopping)
        this.#o.logger.warn(
          {
            camera: this.camera,
            err: c.reason,
            kind: c.kind,
            retryInS: Number(((c.delayMs ?? 0) / 1000).toFixed(1)),
          },
          'camera source failed; reconnecting',
        );
    } else this.state = 'stopped';
  }

  async #failed(err: unknown, failures: number): Promise<void> {
    if (this.#stopping) return;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.restarts++;
    const delay = this.#backoffS(failures);
    this.#o.logger.warn(
      { camera: this.camera, err: this.lastError, retryInS: Number(delay.toFixed(1)) },
      'camera source failed; reconnecting',
    );
    this.state = 'reconnecting';
    await this.#sleep(delay * 1000);
  }

  #backoffS(failures: number): number {
    const max = this.#o.maxBackoffS ?? 30;
    const base = Math.min(max, 0.5 * 2 ** Math.min(failures - 1, 10));
    return base * (0.5 + Math.random() * 0.5);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #watchStall(source: FrameSource): { seen(): void; clear(): void } {
    const stallMs = (this.#o.stallS ?? 15) * 1000;
    let last = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - last > stallMs) {
        this.lastError = `no frame for ${stallMs / 1000} s`;
        void source.stop();
      }
    }, 1000);
    timer.unref();
    return {
      seen: () => (last = Date.now()),
      clear: () => clearInterval(timer),
    };
  }
}
