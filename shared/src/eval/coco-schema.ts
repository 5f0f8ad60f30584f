// Boundary schemas for the two files a COCO evaluation reads: the ground truth (a COCO
// instances dataset) and the detections (a COCO results list, or a dataset whose
// annotations carry scores, as some tools write them).
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const id = z.number().int('must be an integer id');
const xywh = z
  .tuple([finite, finite, finite, finite], { error: 'must be [x, y, width, height]' })
  .refine(([, , w, h]) => w >= 0 && h >= 0, 'width and height must not be negative');

export const CocoImageSchema = z.looseObject({
  id,
  file_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});

export const CocoCategorySchema = z.looseObject({ id, name: z.string().min(1) });

export const CocoGtAnnotationSchema = z.looseObject({
  id: id.optional(),
  image_id: id,
  category_id: id,
  bbox: xywh,
  // pycocotools bins objects by this field (segment area for COCO); absent means box area.
  area: finite.nonnegative().optional(),
  // Crowd regions are the only ignored ground truth: pycocotools overwrites any `ignore`
  // field with iscrowd, so that field is not read here either.
  iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
});

export const CocoGroundTruthSchema = z.looseObject({
  images: z.array(CocoImageSchema),
  annotations: z.array(CocoGtAnnotationSchema),
  categories: z.array(CocoCategorySchema).min(1, 'needs at least one category'),
});

export const CocoDetectionSchema = z.looseObject({
  image_id: id,
  category_id: id,
  bbox: xywh,
  score: finite,
});

/** A results list: ids are the ground truth's own image and category ids. */
export const CocoResultsSchema = z.array(CocoDetectionSchema);

/** A dataset whose annotations carry scores: ids are its own, resolved by file and class name. */
export const CocoScoredDatasetSchema = z.looseObject({
  images: z.array(CocoImageSchema.extend({ file_name: z.string().min(1) })),
  annotations: z.array(CocoDetectionSchema),
  categories: z.array(CocoCategorySchema),
});

export type CocoImage = z.infer<typeof CocoImageSchema>;
export type CocoCategoryEntry = z.infer<typeof CocoCategorySchema>;
export type CocoGtAnnotation = z.infer<typeof CocoGtAnnotationSchema>;
export type CocoGroundTruth = z.infer<typeof CocoGroundTruthSchema>;
export type CocoDetection = z.infer<typeof CocoDetectionSchema>;
export type CocoScoredDataset = z.infer<typeof CocoScoredDatasetSchema>;
