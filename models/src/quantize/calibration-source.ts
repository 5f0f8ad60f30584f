// Calibration inputs from real frames: a video sampled with ffmpeg, or a folder of images (sharp),
// each frame turned into model feeds by the caller's preprocessing.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import sharp from 'sharp';

export interface RgbFrame {
  width: number;
  height: number;
  /** width × height × 3 bytes, RGB interleaved. */
  data: Uint8Array;
}

/** One tensor (fed to the model's only input) or named feeds. */
export type CalibrationFeeds = ort.Tensor | Record<string, ort.Tensor>;
export type Preprocess = (rgb: RgbFrame) => CalibrationFeeds | Promise<CalibrationFeeds>;

export interface CalibrationSource {
  /** Human-readable origin, recorded in logs. */
  readonly label: string;
  feeds(): AsyncIterable<CalibrationFeeds>;
}

export class CalibrationSourceError extends Error {
  override name = 'CalibrationSourceError';
}

/** Feeds already in memory (tests, or callers with their own decoding). */
export function tensorCalibrationSource(
  list: CalibrationFeeds[],
  label = 'in-memory tensors',
): CalibrationSource {
  return {
    label,
    async *feeds() {
      await Promise.resolve();
      yield* list;
    },
  };
}

export interface VideoSourceOptions {
  files: string[];
  /** Total frames over all files. */
  count: number;
  /** Sampling rate; default spreads `count` evenly over each file's duration. */
  fps?: number;
  preprocess: Preprocess;
}

export function videoCalibrationSource(opts: VideoSourceOptions): CalibrationSource {
  if (opts.files.length === 0)
    throw new CalibrationSourceError('video calibration source needs at least one file');
  if (!(opts.count > 0))
    throw new CalibrationSourceError(`frame count must be positive, got ${opts.count}`);
  return {
    label: `${opts.count} frames from ${opts.files.map((f) => path.basename(f)).join(', ')}`,
    async *feeds() {
      let left = opts.count;
      for (const [k, file] of opts.files.entries()) {
        const share = Math.ceil(left / (opts.files.length - k));
        for await (const frame of videoFrames(file, share, opts.fps)) {
          yield await opts.preprocess(frame);
          left--;
        }
      }
    },
  };
}

interface Probe {
  width: number;
  height: number;
  duration: number;
}

async function probeVideo(file: string): Promise<Probe> {
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,duration:format=duration',
    '-of',
    'json',
    file,
  ];
  const { code, stdout, stderr } = await run('ffprobe', args);
  if (code !== 0)
    throw new CalibrationSourceError(
      `ffprobe cannot read ${file}: ${stderr.trim().split('\n').pop() ?? ''}`,
    );
  const j = JSON.parse(stdout) as {
    streams?: { width?: number; height?: number; duration?: string }[];
    format?: { duration?: string };
  };
  const s = j.streams?.[0];
  if (!s?.width || !s.height) throw new CalibrationSourceError(`${file} has no video stream`);
  const duration = Number(s.duration ?? j.format?.duration ?? NaN);
  return { width: s.width, height: s.height, duration: Number.isFinite(duration) ? duration : NaN };
}

/** Decode up to `count` RGB frames from a video at `fps` (default: spread over its duration). */
export async function* videoFrames(
  file: string,
  count: number,
  fps?: number,
): AsyncGenerator<RgbFrame> {
  const probe = await probeVideo(file);
  const rate =
    fps ?? (Number.isFinite(probe.duration) && probe.duration > 0 ? count / probe.duration : 1);
  const args = [
    '-v',
    'error',
    '-noautorotate',
    '-i',
    file,
    '-vf',
    `fps=${rate.toFixed(6)}`,
    '-frames:v',
    String(count),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.on('error', (err) => {
    stderr += err.message;
  });
  const frameBytes = probe.width * probe.height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let produced = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length && produced < count) {
        const n = Math.min(frameBytes - filled, chunk.length - at);
        frame.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === frameBytes) {
          produced++;
          yield { width: probe.width, height: probe.height, data: frame };
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await exited;
  if (produced === 0) {
    throw new CalibrationSourceError(
      `ffmpeg produced no frames from ${file} (exit ${code}): ${stderr.trim()}`,
    );
  }
}

export interface ImageFolderOptions {
  dir: string;
  /** Most images to use (files sorted by name, evenly spaced when there are more). */
  count: number;
  preprocess: Preprocess;
  /** Called for an image that cannot be decoded; it is skipped. */
  onSkip?: (file: string, reason: string) => void;
}

const IMAGE_EXT = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
]);

export function imageFolderCalibrationSource(opts: ImageFolderOptions): CalibrationSource {
  if (!(opts.count > 0))
    throw new CalibrationSourceError(`image count must be positive, got ${opts.count}`);
  return {
    label: `${opts.count} images from ${opts.dir}`,
    async *feeds() {
      let names: string[];
      try {
        names = (await readdir(opts.dir))
          .filter((n) => IMAGE_EXT.has(path.extname(n).toLowerCase()))
          .sort();
      } catch (err) {
        throw new CalibrationSourceError(
          `cannot list image folder ${opts.dir}: ${(err as Error).message}`,
        );
      }
      if (names.length === 0) throw new CalibrationSourceError(`no images in ${opts.dir}`);
      const picked = evenlySpaced(names, opts.count);
      let ok = 0;
      for (const name of picked) {
        const file = path.join(opts.dir, name);
        let frame: RgbFrame;
        try {
          frame = await decodeRgb(file);
        } catch (err) {
          opts.onSkip?.(file, (err as Error).message);
          continue;
        }
        ok++;
        yield await opts.preprocess(frame);
      }
      if (ok === 0)
        throw new CalibrationSourceError(`none of the images in ${opts.dir} could be decoded`);
    },
  };
}

export async function decodeRgb(file: string): Promise<RgbFrame> {
  const { data, info } = await sharp(file)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

function evenlySpaced<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

function run(
  cmd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
