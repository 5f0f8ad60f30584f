// Where the VOC100 evaluation set is, if anywhere. The product never needs it: builds on a
// machine without ../shared/media record that the measurements were skipped and why.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Voc100Location {
  imagesDir: string;
  gt: string;
}

export type Voc100Lookup = ({ ok: true } & Voc100Location) | { ok: false; reason: string };

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The media root: $PRETAG_MEDIA, or ../shared/media beside the checkout. */
export function mediaRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.PRETAG_MEDIA
    ? path.resolve(env.PRETAG_MEDIA)
    : path.resolve(repoRoot, '..', 'shared', 'media');
}

export function findVoc100(env: NodeJS.ProcessEnv = process.env): Voc100Lookup {
  const dir = path.join(mediaRoot(env), 'images', 'voc100');
  const imagesDir = path.join(dir, 'images');
  const gt = path.join(dir, 'gt_coco_instances_default.json');
  const missing = [imagesDir, gt].filter((p) => !existsSync(p));
  if (missing.length)
    return {
      ok: false,
      reason: `VOC100 evaluation media not found (${missing.join(', ')}); set PRETAG_MEDIA to the media folder to measure`,
    };
  return { ok: true, imagesDir, gt };
}
