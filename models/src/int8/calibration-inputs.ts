// Where INT8 calibration frames come from: --calibration paths, else PRETAG_CALIBRATION, else
// the shared media's video folder when it exists. The product never needs ../shared/media: with
// none of these the INT8 step is skipped with NO_CALIBRATION_MESSAGE.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { mediaRoot } from '../measure/media.ts';

export const NO_CALIBRATION_MESSAGE =
  'INT8 needs calibration frames from your cameras: pretag models build --calibration VIDEO|DIR';

const VIDEO_EXT = new Set([
  '.mp4',
  '.avi',
  '.mkv',
  '.mov',
  '.webm',
  '.ts',
  '.m4v',
  '.mpg',
  '.mpeg',
]);
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff']);

/** One video file, or one folder of images: each is a share of the calibration frames. */
export type CalibrationInput = { kind: 'video'; file: string } | { kind: 'images'; dir: string };

export type CalibrationLookup =
  { ok: true; origin: string; paths: string[] } | { ok: false; reason: string };

export class CalibrationInputError extends Error {
  override name = 'CalibrationInputError';
}

/** Pure choice of the calibration paths, in the order of precedence described above. */
export function chooseCalibrationPaths(
  flags: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  exists: (p: string) => boolean = existsSync,
): CalibrationLookup {
  if (flags?.length) return { ok: true, origin: '--calibration', paths: flags.map(abs) };
  const fromEnv = (env.PRETAG_CALIBRATION ?? '').split(path.delimiter).filter(Boolean);
  if (fromEnv.length) return { ok: true, origin: 'PRETAG_CALIBRATION', paths: fromEnv.map(abs) };
  const media = path.join(mediaRoot(env), 'video');
  if (exists(media)) return { ok: true, origin: 'shared media', paths: [media] };
  return { ok: false, reason: NO_CALIBRATION_MESSAGE };
}

const abs = (p: string) => path.resolve(p);

/**
 * Expands paths into inputs: a file is a video; a folder's videos are each an input, and a
 * folder of images is one input. Unreadable or empty paths are errors naming the path.
 */
export function expandCalibrationPaths(paths: readonly string[]): CalibrationInput[] {
  const out: CalibrationInput[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CalibrationInputError(`calibration path ${p} does not exist`);
    }
    if (st.isFile()) {
      out.push({ kind: 'video', file: p });
      continue;
    }
    const names = readdirSync(p).sort();
    const ext = (n: string) => path.extname(n).toLowerCase();
    const videos = names.filter((n) => VIDEO_EXT.has(ext(n)));
    const images = names.filter((n) => IMAGE_EXT.has(ext(n)));
    for (const v of videos) out.push({ kind: 'video', file: path.join(p, v) });
    if (images.length) out.push({ kind: 'images', dir: p });
    if (!videos.length && !images.length)
      throw new CalibrationInputError(`calibration folder ${p} has no videos or images`);
  }
  return out;
}

/** The files whose bytes decide the calibration: the videos, and each folder's images. */
export function calibrationFiles(inputs: readonly CalibrationInput[]): string[] {
  return inputs.flatMap((i) =>
    i.kind === 'video'
      ? [i.file]
      : readdirSync(i.dir)
          .filter((n) => IMAGE_EXT.has(path.extname(n).toLowerCase()))
          .sort()
          .map((n) => path.join(i.dir, n)),
  );
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** sha256 over each calibration file's name and content, in order: the stamp's identity. */
export async function calibrationIdentity(inputs: readonly CalibrationInput[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of calibrationFiles(inputs))
    hash.update(`${path.basename(f)}\0${await sha256OfFile(f)}\n`);
  return hash.digest('hex');
}

/** Frames per input: `total` split as evenly as possible, earlier inputs taking the remainder. */
export function splitFrames(total: number, parts: number): number[] {
  if (parts <= 0) return [];
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}
