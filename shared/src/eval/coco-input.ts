// Checks a parsed JSON value against the schemas and the ground truth's own ids, turning
// every problem into one EvalInputError that names the file and the offending entry.
import type { z } from 'zod';
import type { EvalDetection } from './coco-eval.ts';
import {
  CocoGroundTruthSchema,
  CocoResultsSchema,
  CocoScoredDatasetSchema,
  type CocoGroundTruth,
} from './coco-schema.ts';
import { alignScoredDataset } from './detections-align.ts';
import { EvalInputError } from './errors.ts';

const MAX_ISSUES = 5;

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

function schemaError(source: string, what: string, error: z.ZodError): EvalInputError {
  const lines = error.issues.slice(0, MAX_ISSUES).map((i) => `  ${pathText(i.path)}: ${i.message}`);
  const more = error.issues.length - MAX_ISSUES;
  if (more > 0) lines.push(`  … and ${more} more`);
  return new EvalInputError(`${source} is not a valid ${what}:\n${lines.join('\n')}`);
}

function duplicates(ids: readonly number[]): number[] {
  const seen = new Set<number>();
  const dup = new Set<number>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

/** A COCO ground truth whose annotations all point at declared images and categories. */
export function parseGroundTruth(json: unknown, source = 'ground truth'): CocoGroundTruth {
  const parsed = CocoGroundTruthSchema.safeParse(json);
  if (!parsed.success) throw schemaError(source, 'COCO ground truth', parsed.error);
  const gt = parsed.data;
  const dupImages = duplicates(gt.images.map((i) => i.id));
  if (dupImages.length)
    throw new EvalInputError(`${source}: image id ${dupImages.join(', ')} appears more than once`);
  const dupCats = duplicates(gt.categories.map((c) => c.id));
  if (dupCats.length)
    throw new EvalInputError(`${source}: category id ${dupCats.join(', ')} appears more than once`);
  const images = new Set(gt.images.map((i) => i.id));
  const cats = new Set(gt.categories.map((c) => c.id));
  gt.annotations.forEach((a, i) => {
    if (!images.has(a.image_id))
      throw new EvalInputError(
        `${source}: annotations[${i}]: image_id ${a.image_id} is not in images`,
      );
    if (!cats.has(a.category_id))
      throw new EvalInputError(
        `${source}: annotations[${i}]: category_id ${a.category_id} is not in categories`,
      );
  });
  return gt;
}

export interface ParsedDetections {
  detections: EvalDetection[];
  /** Things worth telling the user that do not stop the evaluation. */
  warnings: string[];
}

/**
 * Detections as a COCO results list (the ground truth's ids) or as a scored dataset with ids
 * of its own (matched to the ground truth by file name and class name).
 */
export function parseDetections(
  json: unknown,
  gt: CocoGroundTruth,
  source = 'detections',
): ParsedDetections {
  const warnings: string[] = [];
  if (!Array.isArray(json)) {
    const parsed = CocoScoredDatasetSchema.safeParse(json);
    if (!parsed.success)
      throw schemaError(
        source,
        'detections file (a COCO results list, or a dataset with scored annotations)',
        parsed.error,
      );
    let aligned;
    try {
      aligned = alignScoredDataset(parsed.data, gt);
    } catch (err) {
      if (err instanceof EvalInputError) throw new EvalInputError(`${source}: ${err.message}`);
      throw err;
    }
    for (const [name, n] of aligned.droppedByClass)
      warnings.push(`${n} detection(s) of class "${name}" dropped: not a ground-truth class`);
    return { detections: aligned.detections, warnings };
  }
  const parsed = CocoResultsSchema.safeParse(json);
  if (!parsed.success) throw schemaError(source, 'COCO results list', parsed.error);
  const images = new Set(gt.images.map((i) => i.id));
  const cats = new Set(gt.categories.map((c) => c.id));
  const dropped = new Map<number, number>();
  parsed.data.forEach((d, i) => {
    // pycocotools refuses results for images outside the ground truth; so do we.
    if (!images.has(d.image_id))
      throw new EvalInputError(
        `${source}: detection [${i}]: image_id ${d.image_id} is not an image of the ground truth`,
      );
    if (!cats.has(d.category_id)) dropped.set(d.category_id, (dropped.get(d.category_id) ?? 0) + 1);
  });
  // Like pycocotools, detections of classes the ground truth lacks are not evaluated.
  for (const [id, n] of dropped)
    warnings.push(`${n} detection(s) with category_id ${id} ignored: not a ground-truth category`);
  return { detections: parsed.data, warnings };
}
