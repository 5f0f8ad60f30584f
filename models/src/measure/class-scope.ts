// Which ground-truth classes a model can be scored on. A class the model cannot predict would
// only add an AP of 0, so it is left out and reported instead. Pure.
import { VOC_TO_COCO } from '@pretag/shared/coco/categories';
import { cocoSpelling, resolveClassNames } from '@pretag/shared/eval/category-map';
import { EvalModelError } from './errors.ts';

export type ClassMap = 'voc' | 'none';

export interface ClassScope {
  /** Ground-truth category ids to evaluate. */
  catIds: number[];
  /** Ground-truth classes left out, with the model-side name that was looked for. */
  notEvaluated: { name: string; lookedFor: string }[];
}

/** The name a ground-truth class has in the model's vocabulary. */
export function modelSideName(gtName: string, classMap: ClassMap): string {
  return classMap === 'voc' ? cocoSpelling(gtName) : gtName.trim().toLowerCase();
}

export function scopeClasses(
  categories: readonly { id: number; name: string }[],
  modelClasses: readonly string[],
  opts: { classMap: ClassMap; classes?: readonly string[] },
): ClassScope {
  const known = new Set(modelClasses.map((c) => c.trim().toLowerCase()).filter(Boolean));
  const catIds: number[] = [];
  const notEvaluated: ClassScope['notEvaluated'] = [];
  for (const c of categories) {
    const lookedFor = modelSideName(c.name, opts.classMap);
    if (known.has(lookedFor)) catIds.push(c.id);
    else notEvaluated.push({ name: c.name, lookedFor });
  }
  if (!catIds.length) {
    const vocHint =
      opts.classMap === 'none' && categories.some((c) => c.name.trim().toLowerCase() in VOC_TO_COCO)
        ? ' (the ground truth uses VOC names: add --class-map voc)'
        : '';
    throw new EvalModelError(
      `the model predicts none of the ground truth's classes (${categories.map((c) => c.name).join(', ')})${vocHint}`,
    );
  }
  if (!opts.classes) return { catIds, notEvaluated };
  let wanted: number[];
  try {
    wanted = resolveClassNames(opts.classes, categories);
  } catch (err) {
    throw new EvalModelError((err as Error).message);
  }
  const unscorable = wanted.filter((id) => !catIds.includes(id));
  if (unscorable.length) {
    const names = categories.filter((c) => unscorable.includes(c.id)).map((c) => c.name);
    throw new EvalModelError(
      `the model has no class for ${names.join(', ')}${opts.classMap === 'none' ? ' (VOC names need --class-map voc)' : ''}`,
    );
  }
  return { catIds: wanted, notEvaluated };
}
