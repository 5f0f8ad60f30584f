// Turning detections that do not carry the ground truth's ids into COCO results: a model's
// per-image detections (class names, xyxy boxes), or a scored dataset with its own ids.
import type { Detection } from '../detection/types.ts';
import { categoryIdsByName, cocoSpelling } from './category-map.ts';
import type { EvalDetection } from './coco-eval.ts';
import type { CocoImage, CocoScoredDataset } from './coco-schema.ts';
import { EvalInputError } from './errors.ts';

export interface AlignedDetections {
  detections: EvalDetection[];
  /** Detections dropped because the ground truth has no such class, counted per class name. */
  droppedByClass: Map<string, number>;
}

/** Ground-truth image id by file name (the base name, as images are found in a folder). */
export function imageIdsByFileName(images: readonly CocoImage[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const im of images) {
    if (im.file_name === undefined) continue;
    const base = im.file_name.split(/[\\/]/).pop() ?? im.file_name;
    const seen = ids.get(base);
    if (seen !== undefined && seen !== im.id)
      throw new EvalInputError(`images ${seen} and ${im.id} are both named "${base}"`);
    ids.set(base, im.id);
  }
  return ids;
}

/**
 * A model's detections for ground-truth images as COCO results. Labels are matched to the
 * ground truth's classes by name (VOC names read as COCO's); other labels are dropped and counted.
 */
export function detectionsToResults(
  perImage: readonly { imageId: number; detections: readonly Detection[] }[],
  categories: readonly { id: number; name: string }[],
): AlignedDetections {
  const catIds = categoryIdsByName(categories);
  const detections: EvalDetection[] = [];
  const droppedByClass = new Map<string, number>();
  for (const { imageId, detections: dets } of perImage) {
    for (const d of dets) {
      const categoryId = catIds.get(cocoSpelling(d.label));
      if (categoryId === undefined) {
        droppedByClass.set(d.label, (droppedByClass.get(d.label) ?? 0) + 1);
        continue;
      }
      const [x1, y1, x2, y2] = d.box;
      detections.push({
        image_id: imageId,
        category_id: categoryId,
        bbox: [x1, y1, x2 - x1, y2 - y1],
        score: d.score,
      });
    }
  }
  return { detections, droppedByClass };
}

/**
 * A scored dataset (images, categories and scored annotations with ids of its own) re-keyed
 * to the ground truth: images by file name, classes by name.
 */
export function alignScoredDataset(
  ds: CocoScoredDataset,
  gt: { images: readonly CocoImage[]; categories: readonly { id: number; name: string }[] },
): AlignedDetections {
  const gtImageIds = imageIdsByFileName(gt.images);
  const gtCatIds = categoryIdsByName(gt.categories);
  const imageMap = new Map<number, number>();
  for (const im of ds.images) {
    const base = im.file_name.split(/[\\/]/).pop() ?? im.file_name;
    const id = gtImageIds.get(base);
    if (id === undefined)
      throw new EvalInputError(`detections image "${im.file_name}" is not in the ground truth`);
    imageMap.set(im.id, id);
  }
  const catNames = new Map(ds.categories.map((c) => [c.id, c.name]));
  const detections: EvalDetection[] = [];
  const droppedByClass = new Map<string, number>();
  ds.annotations.forEach((a, i) => {
    const imageId = imageMap.get(a.image_id);
    if (imageId === undefined)
      throw new EvalInputError(`annotations[${i}]: image_id ${a.image_id} is not in images`);
    const name = catNames.get(a.category_id);
    if (name === undefined)
      throw new EvalInputError(
        `annotations[${i}]: category_id ${a.category_id} is not in categories`,
      );
    const categoryId = gtCatIds.get(cocoSpelling(name));
    if (categoryId === undefined) {
      droppedByClass.set(name, (droppedByClass.get(name) ?? 0) + 1);
      return;
    }
    detections.push({ image_id: imageId, category_id: categoryId, bbox: a.bbox, score: a.score });
  });
  return { detections, droppedByClass };
}
