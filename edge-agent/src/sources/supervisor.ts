// Runs every camera's source side by side, each in its own loop: a camera that fails, stalls or
// whose consumer throws only changes its own status. Live cameras drop frames while their
// consumer is busy (a camera cannot be paused, and buffering it grows without bound); files are
// paced by their consumer instead, so no frame of a recording is lost.
import type { FfmpegSourceOptionsInput } from './ffmpeg-args.ts';
import { isLiveInput } from './ffmpeg-args.ts';
import type { FrameSource } from './frame-source.ts';
import { openFrameSource } from './index.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { ResilientSource, SYSTEM_CLOCK } from './resilient-source.ts';
import type { Clock, LiveFrame, SourceState, StateChange } from './resilient-source.ts';
import { messageOf } from './source-error.ts';

export interface CameraSpec {
  id: string;
  /** Decoder options for one attempt; see cameraSourceOptions() for an edge.yaml camera. */
  source: FfmpegSourceOptionsInput;
  /** Reconnect timing for live cameras (stall, backoff, stable period). */
  policy?: Partial<ReconnectPolicy>;
}

/** Called with one frame at a time per camera; the next frame of that camera waits or is dropped. */
export type FrameConsumer = (cameraId: string, frame: LiveFrame) => Promise<void> | void;

export type CameraState = SourceState | 'ended' | 'failed';

export interface CameraStatus {
  id: string;
  live: boolean;
  state: CameraState;
  reason: string;
  /** Consecutive failed attempts (live cameras). */
  attempt: number;
  sinceMs: number;
  /** Frames that came out of the decoder. */
  decoded: number;
  /** Frames handed to the consumer. */
  delivered: number;
  /** Live frames skipped because the consumer was still busy with an earlier one. */
  dropped: number;
  /** Consumer calls that threw or rejected; the camera keeps running. */
  consumerErrors: number;
  lastConsumerError?: string;
  reconnects: number;
  stalls: number;
  lastFrameAtMs?: number;
}

export interface SupervisorOptions {
  cameras: CameraSpec[];
  consumer: FrameConsumer;
  /** One decoding attempt; the default is ffmpeg. */
  open?: (options: FfmpegSourceOptionsInput) => FrameSource;
  random?: () => number;
  clock?: Clock;
  /** Every state change of every camera, for logs. Throwing here is ignored. */
  onState?: (cameraId: string, change: StateChange | CameraStatus) => void;
}

interface Camera {
  spec: CameraSpec;
  status: CameraStatus;
  stop: () => Promise<void>;
  loop: Promise<void>;
  busy: Promise<void> | undefined;
}

export class CameraSupervisor {
  private readonly options: SupervisorOptions;
  private readonly clock: Clock;
  private readonly cameras = new Map<string, Camera>();
  private stopping: Promise<void> | undefined;

  constructor(options: SupervisorOptions) {
    const ids = options.cameras.map((c) => c.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) throw new Error(`camera id ${duplicate} is listed twice`);
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Starts every camera. Returns at once; failures show in status(), never as a throw. */
  start(): void {
    if (this.cameras.size > 0 || this.stopping) return;
    for (const spec of this.options.cameras) this.cameras.set(spec.id, this.startCamera(spec));
  }

  /** A snapshot of every camera, for health and the stats payload. */
  status(): CameraStatus[] {
    return [...this.cameras.values()].map((c) => ({ ...c.status }));
  }

  /** Stops every camera and waits until no decoder process and no consumer call is left. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const cameras = [...this.cameras.values()];
      await Promise.all(cameras.map((c) => c.stop().catch(() => undefined)));
      await Promise.all(cameras.map((c) => c.loop));
      await Promise.all(cameras.map((c) => c.busy ?? Promise.resolve()));
    })();
    return this.stopping;
  }

  private startCamera(spec: CameraSpec): Camera {
    const open = this.options.open ?? openFrameSource;
    let live = true;
    try {
      live = isLiveInput({ input: spec.source.input, live: spec.source.live });
    } catch {
      // A malformed spec surfaces from open() below, as this camera's failure.
    }
    const status: CameraStatus = {
      id: spec.id,
      live,
      state: 'connecting',
      reason: 'starting',
      attempt: 0,
      sinceMs: this.clock.now(),
      decoded: 0,
      delivered: 0,
      dropped: 0,
      consumerErrors: 0,
      reconnects: 0,
      stalls: 0,
    };
    const camera: Camera = {
      spec,
      status,
      stop: () => Promise.resolve(),
      loop: Promise.resolve(),
      busy: undefined,
    };
    camera.loop = (live ? this.runLive(camera, open) : this.runFile(camera, open)).catch(
      (err: unknown) => this.setState(camera, 'failed', messageOf(err)),
    );
    return camera;
  }

  private async runLive(
    camera: Camera,
    open: (o: FfmpegSourceOptionsInput) => FrameSource,
  ): Promise<void> {
    const { spec, status } = camera;
    const source = new ResilientSource({
      open: () => open(spec.source),
      input: spec.source.input,
      policy: spec.policy,
      random: this.options.random,
      clock: this.clock,
      onState: (change) => {
        status.state = change.state;
        status.reason = change.reason;
        status.attempt = change.attempt;
        status.sinceMs = change.atMs;
        Object.assign(status, pick(source.counters));
        this.notify(spec.id, change);
      },
    });
    camera.stop = () => source.stop();
    if (this.stopping) await source.stop();
    for await (const frame of source) {
      status.decoded++;
      status.lastFrameAtMs = frame.capturedAtMs;
      Object.assign(status, pick(source.counters));
      if (camera.busy) {
        status.dropped++;
        continue;
      }
      status.delivered++;
      camera.busy = this.consume(camera, frame).finally(() => (camera.busy = undefined));
    }
  }

  private async runFile(
    camera: Camera,
    open: (o: FfmpegSourceOptionsInput) => FrameSource,
  ): Promise<void> {
    const { spec, status } = camera;
    const source = open(spec.source);
    camera.stop = () => source.stop();
    if (this.stopping) await source.stop();
    this.setState(camera, 'streaming', `decoding ${spec.source.input}`);
    const startMs = this.clock.now();
    for await (const frame of source) {
      status.decoded++;
      // A recording's own timeline, anchored at the moment decoding began.
      const capturedAtMs = startMs + frame.ptsSeconds * 1000;
      status.lastFrameAtMs = capturedAtMs;
      status.delivered++;
      await this.consume(camera, { ...frame, capturedAtMs });
    }
    this.setState(
      camera,
      this.stopping ? 'stopped' : 'ended',
      this.stopping ? 'stopped' : 'end of file',
    );
  }

  /** Never rejects: a consumer's failure is counted against its camera only. */
  private async consume(camera: Camera, frame: LiveFrame): Promise<void> {
    try {
      await this.options.consumer(camera.spec.id, frame);
    } catch (err) {
      camera.status.consumerErrors++;
      camera.status.lastConsumerError = messageOf(err);
    }
  }

  private setState(camera: Camera, state: CameraState, reason: string): void {
    Object.assign(camera.status, { state, reason, sinceMs: this.clock.now() });
    this.notify(camera.spec.id, { ...camera.status });
  }

  private notify(id: string, change: StateChange | CameraStatus): void {
    try {
      this.options.onState?.(id, change);
    } catch {
      // A logging bug must not take a camera down.
    }
  }
}

function pick(c: { reconnects: number; stalls: number }): { reconnects: number; stalls: number } {
  return { reconnects: c.reconnects, stalls: c.stalls };
}
