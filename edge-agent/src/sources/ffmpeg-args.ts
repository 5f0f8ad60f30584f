// Pure decisions for an ffmpeg-based source: validated options, output geometry and the argument
// lists. Kept apart from the process handling so each rule is tested without spawning anything.
import { z } from 'zod';
import { PIXEL_FORMATS } from './frame-source.ts';
import type { PixelFormat, SourceGeometry } from './frame-source.ts';
import { sourceError } from './source-error.ts';

export const FfmpegSourceOptionsSchema = z.strictObject({
  /** File path, stream URL (rtsp://, http://, …) or V4L2 device such as /dev/video0. */
  input: z.string().min(1),
  /**
   * Demuxer to force, e.g. 'v4l2' for a camera device. Most inputs need none.
   */
  inputFormat: z.string().min(1).optional(),
  /**
   * Extra arguments placed before `-i`, e.g. ['-rtsp_transport', 'tcp'] for cameras behind NAT
   * or lossy links. Hardware decoding goes here too:
   *  - Jetson (JetPack ffmpeg with NVIDIA's V4L2 codecs): ['-c:v', 'h264_nvv4l2dec'] (or
   *    'hevc_nvv4l2dec'); upstream ffmpeg's `-hwaccel nvdec`/`cuda` does not reach Tegra's decoder.
   *  - Desktop NVIDIA GPU: ['-hwaccel', 'nvdec'] (an alias of 'cuda').
   * Frames still leave ffmpeg as rgb24/gray through the pipe, so the output is the same either way.
   */
  inputArgs: z.array(z.string()).default([]),
  /** Sampling rate in frames per second (ffmpeg's fps filter). Omit to get every decoded frame. */
  fps: z.number().positive().max(1000).optional(),
  /** Output size. Give one side to keep the input's aspect ratio; omit both for native size. */
  width: z.number().int().positive().max(16384).optional(),
  height: z.number().int().positive().max(16384).optional(),
  format: z.enum(PIXEL_FORMATS).default('rgb24'),
  /** A live input's end is an error ('stream-ended'); a file's end is just the end. Inferred when omitted. */
  live: z.boolean().optional(),
  /**
   * RTSP only: socket I/O timeout in seconds. A camera that stops answering makes ffmpeg (and the
   * probe before it) fail instead of hanging, so a reconnecting wrapper retries. The flag is picked
   * for the ffmpeg found at start (`-timeout` from 5.0, `-stimeout` before). None when omitted.
   */
  ioTimeoutS: z.number().positive().max(3600).optional(),
  /** How long stop() waits after SIGTERM (lets ffmpeg send RTSP TEARDOWN) before SIGKILL. */
  stopGraceMs: z.number().int().nonnegative().max(60_000).default(2000),
});
export type FfmpegSourceOptionsInput = z.input<typeof FfmpegSourceOptionsSchema>;
export type FfmpegSourceOptions = z.output<typeof FfmpegSourceOptionsSchema>;

/** Validates caller options; a bad option is a SourceError of kind 'bad-options', never a throw of zod's. */
export function parseSourceOptions(raw: unknown): FfmpegSourceOptions {
  const parsed = FfmpegSourceOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const input = typeof raw === 'object' && raw && 'input' in raw ? String(raw.input) : '?';
  throw sourceError('bad-options', input, z.prettifyError(parsed.error).replace(/\n\s*/g, ' '));
}

export type InputKind = 'file' | 'url' | 'device';

export function inputKind(input: string): InputKind {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return 'url';
  if (input.startsWith('/dev/')) return 'device';
  return 'file';
}

export function isLiveInput(options: Pick<FfmpegSourceOptions, 'input' | 'live'>): boolean {
  return options.live ?? inputKind(options.input) !== 'file';
}

/** What a probe of the input says; only what the geometry needs. */
export interface ProbedStream {
  width: number;
  height: number;
  fps: number;
}

/** True when the options alone do not fix the output size and rate, so the input must be probed. */
export function needsProbe(
  options: Pick<FfmpegSourceOptions, 'width' | 'height' | 'fps'>,
): boolean {
  return options.width === undefined || options.height === undefined || options.fps === undefined;
}

/** The exact size and rate the pipe will carry; the chunker relies on this being right. */
export function resolveGeometry(
  options: Pick<FfmpegSourceOptions, 'input' | 'width' | 'height' | 'fps' | 'format'>,
  probed?: ProbedStream,
): SourceGeometry {
  const { width: w, height: h } = options;
  let width: number;
  let height: number;
  if (w !== undefined && h !== undefined) [width, height] = [w, h];
  else if (!probed)
    throw sourceError('bad-options', options.input, 'output size unknown without a probe');
  else if (w !== undefined)
    [width, height] = [w, Math.max(1, Math.round((w * probed.height) / probed.width))];
  else if (h !== undefined)
    [width, height] = [Math.max(1, Math.round((h * probed.width) / probed.height)), h];
  else [width, height] = [probed.width, probed.height];
  const fps = options.fps ?? probed?.fps ?? NaN;
  if (!(fps > 0))
    throw sourceError('not-video', options.input, 'the stream declares no frame rate; set fps');
  return { width, height, format: options.format, fps };
}

/**
 * Major version from the first line of `ffmpeg -version` / `ffprobe -version`
 * ("ffmpeg version 5.1.9-0+deb12u1", "ffmpeg version n4.4.2", "ffprobe version 4.2.7-0ubuntu0.1");
 * undefined for a git build ("N-112233-gabcdef") or anything else.
 */
export function parseFfmpegMajor(versionText: string): number | undefined {
  const m = /^ff(?:mpeg|probe) version n?(\d+)\.\d+/m.exec(versionText);
  return m ? Number(m[1]) : undefined;
}

/**
 * The RTSP socket I/O timeout for an ffmpeg of major version `major`, in microseconds. ffmpeg 5
 * renamed `-stimeout` to `-timeout`; on ffmpeg 4 `-timeout` means "listen for a connection"
 * (it would turn the client into a server), so a version is only taken as old when known to be.
 */
export function rtspTimeoutArgs(
  input: string,
  seconds: number | undefined,
  major: number | undefined,
): string[] {
  if (seconds === undefined || !/^rtsps?:\/\//i.test(input)) return [];
  const flag = major !== undefined && major < 5 ? '-stimeout' : '-timeout';
  return [flag, String(Math.round(seconds * 1e6))];
}

/**
 * Everything before `-i`: quiet logging (errors only, which we classify), `extra` (protocol
 * options such as the RTSP timeout), then the caller's args, whose decoder choice must come last.
 */
export function buildInputArgs(
  options: Pick<FfmpegSourceOptions, 'inputFormat' | 'inputArgs'>,
  extra: readonly string[] = [],
): string[] {
  const format = options.inputFormat ? ['-f', options.inputFormat] : [];
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'error',
    ...format,
    ...extra,
    ...options.inputArgs,
  ];
}

/** The filter chain: sample first (cheapest to drop frames before scaling), then scale. */
export function buildVideoFilters(
  options: Pick<FfmpegSourceOptions, 'fps' | 'width' | 'height'>,
  geometry: Pick<SourceGeometry, 'width' | 'height'>,
): string[] {
  const filters: string[] = [];
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (options.width !== undefined || options.height !== undefined) {
    filters.push(`scale=${geometry.width}:${geometry.height}`);
  }
  return filters;
}

/** Raw, tightly packed frames of the first video stream only. */
export function buildOutputArgs(format: PixelFormat): string[] {
  return ['-map', '0:v:0', '-an', '-sn', '-dn', '-pix_fmt', format, '-f', 'rawvideo'];
}
