// Class names across label sets: a COCO-trained model says "motorcycle" where VOC ground
// truth says "motorbike". Names are compared in COCO spelling; ids are always the ground truth's.
import { VOC_TO_COCO } from '../coco/categories.ts';
import { EvalInputError } from './errors.ts';

/** COCO spelling of a class name (VOC names mapped, others unchanged). */
export function cocoSpelling(name: string): string {
  const key = name.trim().toLowerCase();
  return VOC_TO_COCO[key] ?? key;
}

/** Ground-truth category id for each class name in COCO spelling. */
export function categoryIdsByName(
  categories: readonly { id: number; name: string }[],
): Map<string, number> {
  const ids = new Map<string, number>();
  for (const c of categories) {
    const name = cocoSpelling(c.name);
    const seen = ids.get(name);
    if (seen !== undefined && seen !== c.id)
      throw new EvalInputError(
        `categories ${seen} and ${c.id} are both "${name}"; class names must be unique`,
      );
    ids.set(name, c.id);
  }
  return ids;
}

/**
 * Category ids for class names given by a user (VOC or COCO spelling). Unknown names are an
 * error that lists what the ground truth has.
 */
export function resolveClassNames(
  names: readonly string[],
  categories: readonly { id: number; name: string }[],
): number[] {
  const ids = categoryIdsByName(categories);
  const unknown = names.filter((n) => !ids.has(cocoSpelling(n)));
  if (unknown.length)
    throw new EvalInputError(
      `unknown class ${unknown.map((n) => `"${n}"`).join(', ')}; the ground truth has: ` +
        categories.map((c) => c.name).join(', '),
    );
  return [...new Set(names.map((n) => ids.get(cocoSpelling(n)) as number))];
}
