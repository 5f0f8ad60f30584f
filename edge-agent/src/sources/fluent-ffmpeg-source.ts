// The only file that knows fluent-ffmpeg. fluent-ffmpeg is archived upstream; replacing it means
// writing another FrameSource (plain spawn, GStreamer) and another probe, nothing else.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import {
  buildInputArgs,
  buildOutputArgs,
  buildVideoFilters,
  inputKind,
  isLiveInput,
  needsProbe,
  parseFfmpegMajor,
  parseSourceOptions,
  resolveGeometry,
  rtspTimeoutArgs,
} from './ffmpeg-args.ts';
import type { FfmpegSourceOptions, FfmpegSourceOptionsInput } from './ffmpeg-args.ts';
import { FrameChunker } from './frame-chunker.ts';
import { frameByteLength } from './frame-source.ts';
import type { FrameSource, RawFrame, SourceGeometry } from './frame-source.ts';
import { SourceError, decoderFailure, messageOf, sourceError } from './source-error.ts';

const binaries = {
  ffmpeg: process.env.FFMPEG_PATH || 'ffmpeg',
  ffprobe: process.env.FFPROBE_PATH || 'ffprobe',
};

/**
 * Uses specific ffmpeg/ffprobe binaries (default: FFMPEG_PATH / FFPROBE_PATH, else PATH).
 * Process-wide, because fluent-ffmpeg caches the paths globally.
 */
export function setDecoderBinaries(paths: { ffmpeg?: string; ffprobe?: string }): void {
  if (paths.ffmpeg) binaries.ffmpeg = paths.ffmpeg;
  if (paths.ffprobe) binaries.ffprobe = paths.ffprobe;
}

/**
 * Finds the binary ourselves and hands fluent-ffmpeg the absolute path: fluent-ffmpeg 2.1.3
 * crashes the process with a TypeError when the binary is missing instead of reporting it.
 */
async function resolveBinary(which: 'ffmpeg' | 'ffprobe', input: string): Promise<string> {
  const name = binaries[which];
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isDirectory()) continue;
      if (which === 'ffmpeg') ffmpeg.setFfmpegPath(candidate);
      else ffmpeg.setFfprobePath(candidate);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new SourceError(
    'ffmpeg-not-found',
    input,
    `${which} not found (looked for ${name}${name.includes('/') ? '' : ' on PATH'}): install ffmpeg or set ${which.toUpperCase()}_PATH`,
  );
}

const majors = new Map<string, Promise<number | undefined | null>>();

/**
 * Major version of an ffmpeg/ffprobe binary, asked once per path: undefined when the text is not
 * recognised (a git build), null when the binary could not be asked (then asked again next time).
 */
function majorVersion(binary: string): Promise<number | undefined | null> {
  let v = majors.get(binary);
  if (!v) {
    v = new Promise((resolve) => {
      execFile(binary, ['-hide_banner', '-version'], { timeout: 10_000 }, (err, stdout) => {
        if (err) majors.delete(binary);
        resolve(err ? null : parseFfmpegMajor(stdout));
      });
    });
    majors.set(binary, v);
  }
  return v;
}

/** The RTSP timeout arguments for `binary`; none when its version could not be asked. */
async function timeoutArgsFor(
  binary: string,
  input: string,
  seconds: number | undefined,
): Promise<string[]> {
  if (seconds === undefined) return [];
  const major = await majorVersion(binary);
  // Guessing wrong on ffmpeg 4 would make the client listen; without a version, leave it out.
  return major === null ? [] : rtspTimeoutArgs(input, seconds, major);
}

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  /** Frames in the stream: from the container, counted (countFrames), or duration × fps. */
  frameCount: number;
  frameCountFrom: 'container' | 'counted' | 'estimated';
  /** NaN for live streams, which have none. */
  durationSeconds: number;
  codec: string;
}

export interface ProbeOptions {
  inputFormat?: string;
  inputArgs?: string[];
  /** Decode the whole stream to count frames exactly (slow; files only). */
  countFrames?: boolean;
  /** RTSP socket I/O timeout, s (see FfmpegSourceOptions.ioTimeoutS). */
  ioTimeoutS?: number | undefined;
}

// ffprobe's fields as fluent-ffmpeg parses them: numeric text becomes a number, 'N/A' stays text.
const numberish = z.union([z.number(), z.string()]).optional();
const ProbeSchema = z.object({
  streams: z.array(
    z.looseObject({
      codec_type: z.string().optional(),
      codec_name: z.string().optional(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      avg_frame_rate: z.string().optional(),
      r_frame_rate: z.string().optional(),
      nb_frames: numberish,
      nb_read_frames: numberish,
      duration: numberish,
    }),
  ),
  format: z.looseObject({ duration: numberish }),
});

/** Width, height, rate, frame count and duration of the first video stream (ffprobe). */
export async function probeVideo(input: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  const ffprobe = await resolveBinary('ffprobe', input);
  await checkLocalInput(input);
  const args = ['-v', 'error', '-select_streams', 'v:0'];
  if (options.inputFormat) args.push('-f', options.inputFormat);
  args.push(...(await timeoutArgsFor(ffprobe, input, options.ioTimeoutS)));
  args.push(...(options.inputArgs ?? []));
  if (options.countFrames) args.push('-count_frames');
  const raw = await new Promise<unknown>((resolve, reject) => {
    ffmpeg.ffprobe(input, args, (err: unknown, data: unknown) => {
      if (err) reject(decoderFailure(input, messageOf(err)));
      else resolve(data);
    });
  });
  const parsed = ProbeSchema.safeParse(raw);
  const stream = parsed.success
    ? parsed.data.streams.find((s) => s.codec_type !== 'audio')
    : undefined;
  if (!parsed.success || !stream)
    throw sourceError('not-video', input, 'ffprobe found no video stream with a size');
  const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  const durationSeconds = toNumber(stream.duration) ?? toNumber(parsed.data.format.duration) ?? NaN;
  const counted = toNumber(stream.nb_read_frames);
  const container = toNumber(stream.nb_frames);
  const [frameCount, frameCountFrom] =
    counted !== undefined
      ? [counted, 'counted' as const]
      : container !== undefined && container > 0
        ? [container, 'container' as const]
        : [Math.round(durationSeconds * fps), 'estimated' as const];
  return {
    width: stream.width,
    height: stream.height,
    fps,
    frameCount,
    frameCountFrom,
    durationSeconds,
    codec: stream.codec_name ?? 'unknown',
  };
}

/** "30000/1001" → 29.97; anything unusable → 0. */
function parseRate(rate: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(rate ?? '');
  if (!m) return 0;
  const value = Number(m[1]) / Number(m[2]);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function toNumber(v: number | string | undefined): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Fails fast and clearly on a missing local file or device instead of parsing ffmpeg's stderr. */
async function checkLocalInput(input: string): Promise<void> {
  if (inputKind(input) === 'url') return;
  try {
    const s = await stat(input);
    if (s.isDirectory()) throw sourceError('not-video', input, 'it is a directory');
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw sourceError('no-such-input', input);
    throw sourceError('decode-failed', input, String(code ?? err));
  }
}

/** One running ffmpeg process and the stream its frames arrive on. */
interface Run {
  out: PassThrough;
  /** Resolves when spawned (undefined when spawning failed). */
  spawned: Promise<ChildProcess | undefined>;
  /** Resolves once ffmpeg has finished: null on a clean exit, the classified error otherwise. */
  finished: Promise<SourceError | null>;
}

const STDERR_LINES = 30;

/**
 * Decodes a file, RTSP/HTTP URL or V4L2 device with ffmpeg (driven by fluent-ffmpeg) into raw
 * frames at the requested rate and size. One instance is one ffmpeg process, iterated once; a
 * reconnecting wrapper creates a new instance per attempt and decides on SourceError.kind.
 */
export class FluentFfmpegSource implements FrameSource {
  readonly options: FfmpegSourceOptions;
  private starting: Promise<SourceGeometry> | undefined;
  private run: Run | undefined;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  private iterated = false;
  private readonly stderrTail: string[] = [];
  private chunker: FrameChunker | undefined;

  constructor(options: FfmpegSourceOptionsInput) {
    this.options = parseSourceOptions(options);
  }

  /** ffmpeg's process id while it runs (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private proc: ChildProcess | undefined;

  start(): Promise<SourceGeometry> {
    this.starting ??= this.launch();
    return this.starting;
  }

  private async launch(): Promise<SourceGeometry> {
    const o = this.options;
    const binary = await resolveBinary('ffmpeg', o.input);
    await checkLocalInput(o.input);
    const timeout = await timeoutArgsFor(binary, o.input, o.ioTimeoutS);
    const probed = needsProbe(o)
      ? await probeVideo(o.input, {
          inputFormat: o.inputFormat,
          inputArgs: o.inputArgs,
          ioTimeoutS: o.ioTimeoutS,
        })
      : undefined;
    const geometry = resolveGeometry(o, probed);
    if (!this.stopped) this.run = this.spawn(geometry, timeout);
    return geometry;
  }

  private spawn(geometry: SourceGeometry, extraInputArgs: string[]): Run {
    const o = this.options;
    // At most ~1 MiB queued per side of the PassThrough, so a 4K camera does not pin 50 MB.
    const out = new PassThrough({
      highWaterMark: Math.min(
        frameByteLength(geometry.width, geometry.height, geometry.format),
        1 << 20,
      ),
    });
    const command = ffmpeg(o.input)
      .inputOptions(...buildInputArgs(o, extraInputArgs))
      .outputOptions(...buildOutputArgs(geometry.format));
    const filters = buildVideoFilters(o, geometry);
    if (filters.length) command.videoFilters(filters);

    let onSpawn: (p: ChildProcess | undefined) => void = () => {};
    const spawned = new Promise<ChildProcess | undefined>((resolve) => (onSpawn = resolve));
    const finished = new Promise<SourceError | null>((resolve) => {
      command.on('start', () => {
        // fluent-ffmpeg keeps the child on the command; it is not in its typings.
        const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
        this.proc = proc;
        onSpawn(proc);
        if (this.stopped) proc?.kill('SIGKILL');
      });
      command.on('stderr', (line: string) => {
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
      });
      command.on('end', () => resolve(null));
      command.on('error', (err: Error) => {
        onSpawn(undefined);
        const proc = this.proc;
        // Never spawned (binary missing): nothing will end the stream, so end it here.
        if (!proc?.pid) out.destroy();
        const failure = () =>
          decoderFailure(o.input, `${err.message}\n${this.stderrTail.join('\n')}`);
        // fluent-ffmpeg reports this when our stream has closed (all output read) and it has not
        // seen ffmpeg exit 20 ms later, which happens at a normal end of file on a busy machine.
        // ffmpeg's own exit status decides; fluent-ffmpeg's SIGTERM after the output had ended
        // is not a failure.
        if (err.message === 'Output stream closed' && proc?.pid !== undefined) {
          void exitOf(proc).then(({ code, signal }) =>
            resolve(code === 0 || signal === 'SIGTERM' ? null : failure()),
          );
          return;
        }
        resolve(failure());
      });
    });
    // Backpressure: stdout is piped into `out`; when the consumer stops pulling, `out` fills,
    // stdout pauses, the OS pipe fills, and ffmpeg blocks on write.
    command.pipe(out, { end: true });
    return { out, spawned, finished };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawFrame> {
    if (this.iterated)
      throw sourceError('bad-options', this.options.input, 'a source can be iterated only once');
    this.iterated = true;
    try {
      const geometry = await this.start();
      const run = this.run;
      if (!run) return; // stopped before ffmpeg started
      const chunker = new FrameChunker(
        frameByteLength(geometry.width, geometry.height, geometry.format),
      );
      this.chunker = chunker;
      const { width, height, format, fps } = geometry;
      let index = 0;
      try {
        for await (const chunk of run.out) {
          for (const data of chunker.push(chunk as Buffer)) {
            yield { index, ptsSeconds: index / fps, width, height, format, data };
            index++;
          }
        }
      } catch (err) {
        if (this.stopped) return;
        const failure = await run.finished;
        throw failure ?? decoderFailure(this.options.input, messageOf(err));
      }
      const failure = await run.finished;
      if (this.stopped) return;
      if (failure) throw failure;
      if (isLiveInput(this.options))
        throw sourceError('stream-ended', this.options.input, `after ${index} frames`);
    } finally {
      await this.stop();
    }
  }

  release(frame: RawFrame): void {
    this.chunker?.recycle(frame.data);
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    // A start in progress either sees `stopped` and never spawns, or spawns and we kill it below.
    await this.starting?.catch(() => undefined);
    const run = this.run;
    if (!run) return;
    const proc = await run.spawned;
    if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // Closing our end makes a write-blocked ffmpeg fail with EPIPE; SIGTERM lets an RTSP
      // client send TEARDOWN; SIGKILL is the backstop.
      proc.stdout?.destroy();
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), this.options.stopGraceMs);
      await exited;
      clearTimeout(timer);
    }
    run.out.destroy();
    await run.finished;
  }
}

/** How a child process ended, once it has. */
function exitOf(
  proc: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null)
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}
