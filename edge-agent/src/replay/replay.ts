// `pretag edge replay`: the full decision path on a recorded video, as fast as the machine goes,
// with no network and no spool. Capture times are `start` + pts, so schedule windows apply as
// they would have on the day. Writes decisions.jsonl, summary.json and frames/*.jpg.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import { loadConfigOrThrow } from '@pretag/shared/config/load';
import { resolveCamera } from '@pretag/shared/config/resolve';
import { CliError } from '@pretag/shared/cli/errors';
import type { Detector } from '@pretag/shared/detector/types';
import type { PipelineLog } from '../pipeline/once-logger.ts';
import { openFrameSource, probeVideo } from '../sources/index.ts';
import type { RawFrame } from '../sources/index.ts';
import { CameraPipeline } from '../pipeline/camera-pipeline.ts';
import type { FrameRecord } from '../pipeline/camera-pipeline.ts';
import { openFaceDetector, openPrefilterDetector } from '../pipeline/models.ts';
import { summarise } from './summary.ts';
import type { ReplaySummary } from './summary.ts';

export interface ReplayOptions {
  config: string;
  camera: string;
  video: string;
  out: string;
  maxFrames?: number | undefined;
  redact?: boolean | undefined;
  start?: Date | undefined;
  jpegQuality?: number | undefined;
  /** Called with the share of the video done (0..1). */
  onProgress?: ((done: number) => void) | undefined;
  logger?: PipelineLog | undefined;
  /** Reuse open detectors (benchmarks replaying many times). */
  detectors?: { prefilter: Detector; face?: Detector | undefined } | undefined;
}

export interface ReplayResult {
  summary: ReplaySummary;
  records: FrameRecord[];
}

/** Checks the inputs before any work; each problem is a CliError with what to fix. */
export function checkReplayInputs(
  o: Pick<ReplayOptions, 'config' | 'camera' | 'video'>,
): EdgeConfig {
  if (!existsSync(o.config)) throw new CliError(`config file not found: ${o.config}`);
  const config = loadConfigOrThrow(o.config, 'edge');
  resolveCamera(config, o.camera); // unknown camera → CliError naming the known ones
  if (!existsSync(o.video)) throw new CliError(`video not found: ${o.video}`);
  if (!statSync(o.video).isFile()) throw new CliError(`video is not a file: ${o.video}`);
  return config;
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const config = checkReplayInputs(o);
  const camera = resolveCamera(config, o.camera);
  const start = o.start ?? new Date();
  let info;
  try {
    info = await probeVideo(o.video);
  } catch (err) {
    throw new CliError(
      `cannot read video ${o.video}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const framesDir = path.join(o.out, 'frames');
  await mkdir(framesDir, { recursive: true });

  const redact = o.redact ?? camera.redact_faces;
  const configDir = path.dirname(path.resolve(o.config));
  const prefilter =
    o.detectors?.prefilter ?? (await openPrefilterDetector(config.model, configDir));
  const face = redact ? (o.detectors ? o.detectors.face : await openFaceDetector(0.5)) : undefined;

  const sourceFps = Math.min(camera.max_fps, info.fps > 0 ? info.fps : camera.max_fps);
  const pipeline = new CameraPipeline({
    camera: o.camera,
    config: () => config,
    sourceFps,
    detector: prefilter,
    faceDetector: face,
    redact,
    ...(o.jpegQuality !== undefined && { jpegQuality: o.jpegQuality }),
    sink: async (payload, jpeg) => {
      await writeFile(path.join(framesDir, `${payload.frameId}.jpg`), jpeg);
    },
    logger: o.logger,
    seed: 1,
  });

  const lines = createWriteStream(path.join(o.out, 'decisions.jsonl'));
  const records: FrameRecord[] = [];
  const source = openFrameSource({
    input: o.video,
    fps: sourceFps,
    format: 'rgb24',
    live: false,
  });
  const t0 = performance.now();
  let decodeWaitMs = 0;
  let sampled = 0;
  const it = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<RawFrame>> | undefined;
  try {
    pending = it.next();
    for (;;) {
      const w0 = performance.now();
      const next = await pending;
      decodeWaitMs += performance.now() - w0;
      if (next.done) break;
      // Ask for the next frame before working on this one, so reading the pipe (and ffmpeg
      // writing to it) goes on while this frame is processed.
      pending = it.next();
      const raw = next.value;
      const capturedAt = new Date(start.getTime() + raw.ptsSeconds * 1000);
      const rec = await pipeline.process(raw, raw.ptsSeconds, capturedAt);
      // Nothing the pipeline returns or keeps refers to the pixels: the source may reuse them.
      source.release?.(raw);
      if (info.durationSeconds > 0)
        o.onProgress?.(Math.min(1, raw.ptsSeconds / info.durationSeconds));
      if (!rec) continue;
      sampled++;
      records.push(rec);
      if (!lines.write(`${JSON.stringify(rec)}\n`)) await once(lines, 'drain');
      if (o.maxFrames !== undefined && sampled >= o.maxFrames) break;
    }
  } finally {
    await source.stop();
    // The frame asked for ahead ends with the source; nothing waits for it.
    await pending?.catch(() => undefined);
    lines.end();
    await once(lines, 'close');
    if (!o.detectors) {
      await prefilter.close();
      await face?.close();
    }
  }
  const wallMs = performance.now() - t0;
  const summary = summarise({
    camera: o.camera,
    video: path.resolve(o.video),
    config: path.resolve(o.config),
    start,
    durationS: info.durationSeconds,
    model: prefilter.info.modelId,
    records,
    counts: pipeline.counts,
    timing: {
      wallMs,
      decodeWaitMs,
      inferenceMs: pipeline.counts.inferenceMs,
      faceInferenceMs: pipeline.counts.faceInferenceMs,
      redactEncodeMs: pipeline.counts.faceMs,
    },
  });
  await writeFile(path.join(o.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, records };
}
