// Runs a detector over the ground truth's images found in a folder. An image that cannot be
// read or decoded is reported and left out of the evaluation rather than stopping the run.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Detection } from '@pretag/shared/detection/types';
import type { Detector } from '@pretag/shared/detector/types';
import type { CocoGroundTruth } from '@pretag/shared/eval/coco-schema';
import { EvalModelError } from './errors.ts';
import { matchImages } from './image-set.ts';

export interface ImageRun {
  perImage: { imageId: number; fileName: string; detections: Detection[] }[];
  /** Ground-truth file names not in the folder. */
  missing: string[];
  unreadable: { fileName: string; error: string }[];
}

export async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalModelError(
      `cannot read the images folder ${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : String(err)}`,
    );
  }
}

export async function runOnImages(
  detector: Detector,
  gt: CocoGroundTruth,
  imagesDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ImageRun> {
  const { found, missing } = matchImages(gt.images, await listFolder(imagesDir), imagesDir);
  const perImage: ImageRun['perImage'] = [];
  const unreadable: ImageRun['unreadable'] = [];
  for (const [i, im] of found.entries()) {
    try {
      const bytes = await readFile(path.join(imagesDir, im.fileName));
      perImage.push({
        imageId: im.id,
        fileName: im.fileName,
        detections: await detector.detect(bytes),
      });
    } catch (err) {
      unreadable.push({ fileName: im.fileName, error: (err as Error).message });
    }
    onProgress?.(i + 1, found.length);
  }
  if (!perImage.length)
    throw new EvalModelError(
      `none of the ${found.length} matching images in ${imagesDir} could be read: ${unreadable[0]?.error ?? ''}`,
    );
  return { perImage, missing, unreadable };
}

/** The ground truth cut down to the images that were run, so absent images do not count as misses. */
export function groundTruthFor(gt: CocoGroundTruth, imageIds: readonly number[]): CocoGroundTruth {
  const keep = new Set(imageIds);
  return {
    ...gt,
    images: gt.images.filter((i) => keep.has(i.id)),
    annotations: gt.annotations.filter((a) => keep.has(a.image_id)),
  };
}
