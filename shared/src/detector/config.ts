// The detector entry operators write in edge.yaml / hub.yaml: adapter name, ONNX file, classes,
// optional input overrides, thresholds and execution providers.
import { z } from 'zod';
import { sessionConfigSchema } from './providers.ts';

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const inputSpecSchema = z.strictObject({
  width: z.int().positive(),
  height: z.int().positive(),
  resize: z.enum(['stretch', 'letterbox', 'fit', 'none']),
  padValue: z.number().min(0).max(255),
  channelOrder: z.enum(['rgb', 'bgr']),
  layout: z.enum(['nchw', 'nhwc', 'chw']),
  scale: z.number().positive(),
  mean: triple,
  std: triple.refine((s) => s.every((v) => v !== 0), 'std values must be non-zero'),
});

export const detectorConfigSchema = z.strictObject({
  /** Name recorded in detections and model cards; defaults to the file's base name. */
  id: z.string().min(1).optional(),
  adapter: z.string().min(1),
  /** ONNX file; relative paths resolve against the config file's folder. */
  file: z.string().min(1),
  /** Class names by model index, or a preset; a name '' marks an index that is not a class. */
  classes: z.union([z.enum(['coco80', 'torchvision91']), z.array(z.string()).min(1)]).optional(),
  /** Alternative to `classes`: a text file with one class name per line. */
  classesFile: z.string().min(1).optional(),
  input: inputSpecSchema.partial().optional(),
  scoreThreshold: z.number().min(0).max(1).optional(),
  iouThreshold: z.number().min(0).max(1).optional(),
  maxDetections: z.int().positive().default(100),
  session: sessionConfigSchema.optional(),
});

export type DetectorConfigInput = z.input<typeof detectorConfigSchema>;
export type DetectorConfig = z.output<typeof detectorConfigSchema>;
