// The `model:` (edge) and `detector:` (hub) blocks: which ONNX detector runs and how.
import type { z } from 'zod';
import { filePath, nonEmptyString, number, oneOf, strict, uniqueList } from './fields.ts';

export const PROVIDERS = ['tensorrt', 'cuda', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

const adapterName = nonEmptyString(
  'an adapter name such as "nanodet", "centernet", "fasterrcnn" or "yolo"',
).refine((s) => /^[a-z0-9][a-z0-9_-]*$/.test(s), {
  error:
    'expected an adapter name in lower case, such as "nanodet", "centernet", "fasterrcnn" or "yolo"',
});

export function modelShape(defaults: { adapter: string; providers: Provider[] }) {
  return {
    adapter: adapterName.default(defaults.adapter),
    /** ONNX file; absent means the packaged default model for the adapter, built on first use. */
    file: filePath.optional(),
    /** Class names in the model's output order, for a custom model; absent means COCO's 80. */
    classes: uniqueList(nonEmptyString('a class name'), 'class names').optional(),
    /** Execution providers in order of preference; a missing one falls back with a warning. */
    providers: uniqueList(
      oneOf(PROVIDERS),
      'execution providers ("tensorrt", "cuda", "cpu")',
    ).default(defaults.providers),
    tensorrt: strict({
      precision: oneOf(['int8', 'fp16', 'fp32']).default('int8'),
      engine_cache: filePath.optional(),
    }).prefault({}),
    /** Letterbox (keep aspect) or stretch to the model's input; absent means the adapter's default. */
    resize: oneOf(['letterbox', 'stretch']).optional(),
    threads: number('a whole number of threads between 1 and 256', {
      min: 1,
      max: 256,
      int: true,
    }).optional(),
  };
}

export function modelSchema(defaults: { adapter: string; providers: Provider[] }) {
  return strict(modelShape(defaults), 'model settings { adapter, file, classes, providers }');
}

export type ModelConfig = z.output<ReturnType<typeof modelSchema>>;
