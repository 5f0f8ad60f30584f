// Which ground-truth images are in the folder. Pure: the folder listing is passed in.
import type { CocoImage } from '@pretag/shared/eval/coco-schema';
import { EvalModelError } from './errors.ts';

export interface ImageMatch {
  /** Ground-truth images found, in ground-truth order, with the folder's file name. */
  found: { id: number; fileName: string }[];
  /** Ground-truth file names not in the folder. */
  missing: string[];
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** Matches by base file name; a ground truth none of whose images are present is an error. */
export function matchImages(
  images: readonly CocoImage[],
  folderFiles: readonly string[],
  folder: string,
): ImageMatch {
  const present = new Set(folderFiles);
  const found: ImageMatch['found'] = [];
  const missing: string[] = [];
  for (const im of images) {
    const name = im.file_name === undefined ? undefined : baseName(im.file_name);
    if (name !== undefined && present.has(name)) found.push({ id: im.id, fileName: name });
    else missing.push(name ?? `image id ${im.id} (no file_name)`);
  }
  if (!found.length) {
    const examples = missing.slice(0, 3).join(', ');
    throw new EvalModelError(
      images.length
        ? `none of the ${images.length} ground-truth images (${examples}${missing.length > 3 ? ', …' : ''}) is in ${folder} (${folderFiles.length} files there); images are matched by file name`
        : 'the ground truth lists no images',
    );
  }
  return { found, missing };
}
