// The edge workspace, loaded at run time so the hub's own install does not depend on it. Only the
// parts the demo uses are typed here, structurally; the specifiers are variables so a checkout
// without edge-agent (or models) is a clear message, not a type or load error.
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { CameraCounters, FramePayload } from '@pretag/shared/mqtt/payloads';
import type { Detection } from '@pretag/shared/detection/types';
import { CliError } from '@pretag/shared/cli/errors';

export interface EdgeDetector {
  info: { modelId: string };
  detect(image: unknown): Promise<Detection[]>;
  close(): Promise<void>;
}

export interface RawFrameLike {
  index: number;
  ptsSeconds: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface FrameRecordLike {
  decision: 'upload' | 'skip' | 'dropped' | 'error';
  frameId?: string;
  error?: string;
}

export interface DecisionCountsLike {
  sampled: number;
  gated: number;
  inferred: number;
  uploaded: number;
  audited: number;
  motion: number;
}

export interface CameraPipelineLike {
  counts: { decoded: number };
  decision: { counters: { current: Readonly<DecisionCountsLike>; take(): DecisionCountsLike } };
  process(raw: RawFrameLike, t: number, capturedAt: Date): Promise<FrameRecordLike | undefined>;
}

export interface SpoolLike {
  accept(frame: FramePayload, jpeg: Uint8Array): Promise<unknown>;
  stats(): { items: number; dropped: Record<string, number> };
  close(): Promise<void>;
}

export interface UplinkLike {
  start(): void;
  notify(): void;
  stop(): Promise<void>;
  counters(): { uploaded: number; queueDepth: number; connected: boolean };
}

export interface FrameSourceLike extends AsyncIterable<RawFrameLike> {
  stop(): Promise<void>;
}

export interface EdgeModules {
  CameraPipeline: new (o: {
    camera: string;
    config: () => EdgeConfig;
    sourceFps: number;
    detector: EdgeDetector;
    faceDetector?: EdgeDetector | undefined;
    redact?: boolean;
    sink: (payload: FramePayload, jpeg: Buffer) => Promise<void>;
    seed?: number;
  }) => CameraPipelineLike;
  openPrefilterDetector(model: EdgeConfig['model'], configDir: string): Promise<EdgeDetector>;
  openFaceDetector(minFaceScore: number): Promise<EdgeDetector>;
  openFrameSource(o: {
    input: string;
    fps: number;
    format: 'rgb24';
    live: boolean;
  }): FrameSourceLike;
  probeVideo(input: string): Promise<{ fps: number; durationSeconds: number }>;
  Spool: { open(o: { dir: string; maxBytes: number; maxAgeS: number }): SpoolLike };
  Uplink: new (o: {
    site: string;
    device: string;
    agentVersion: string;
    cameras: readonly string[];
    spool: SpoolLike;
    blobs: BlobStore;
    mqtt: { url: string; username: string; password: string; reconnectMinMs?: number };
    prefix?: string;
    statsIntervalMs?: number;
    countersProvider?: () => Record<string, CameraCounters>;
    idlePollMs?: number;
    stopGraceMs?: number;
  }) => UplinkLike;
}

export interface ModelBuild {
  buildPackagedModels(o: {
    outDir?: string;
    only?: readonly string[];
    measure?: boolean;
    progress?: unknown;
  }): Promise<unknown[]>;
  createProgress(stream?: NodeJS.WritableStream): unknown;
}

export const NEEDS_CHECKOUT = 'the demo needs the full checkout (edge-agent workspace)';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
}

async function load(spec: string): Promise<Record<string, unknown>> {
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (err) {
    if (isMissing(err)) throw new CliError(`${NEEDS_CHECKOUT}: cannot load ${spec}`);
    throw err;
  }
}

export async function loadEdgeModules(): Promise<EdgeModules> {
  const base = '@pretag/edge-agent';
  const [pipeline, models, sources, spool, uplink] = await Promise.all([
    load(`${base}/pipeline/camera-pipeline`),
    load(`${base}/pipeline/models`),
    load(`${base}/sources/index`),
    load(`${base}/spool/index`),
    load(`${base}/uplink/index`),
  ]);
  const mods = {
    CameraPipeline: pipeline.CameraPipeline,
    openPrefilterDetector: models.openPrefilterDetector,
    openFaceDetector: models.openFaceDetector,
    openFrameSource: sources.openFrameSource,
    probeVideo: sources.probeVideo,
    Spool: spool.Spool,
    Uplink: uplink.Uplink,
  };
  const absent = Object.entries(mods)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (absent.length) throw new CliError(`${NEEDS_CHECKOUT}: missing ${absent.join(', ')}`);
  return mods as unknown as EdgeModules;
}

export async function loadModelBuild(): Promise<ModelBuild> {
  const [cmd, progress] = await Promise.all([
    load('@pretag/models/build/command'),
    load('@pretag/models/build/progress'),
  ]);
  return {
    buildPackagedModels: cmd.buildPackagedModels as ModelBuild['buildPackagedModels'],
    createProgress: progress.createProgress as ModelBuild['createProgress'],
  };
}
