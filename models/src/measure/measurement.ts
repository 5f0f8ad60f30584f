// What the measure build step writes into a card's `measurements.voc100`.
import { z } from 'zod';

/** Person and the vehicles a safety camera cares about, in COCO spelling. */
export const KEY_CLASSES = ['person', 'car', 'bus', 'bicycle', 'motorcycle'] as const;

export const latencySchema = z.object({
  image: z.string(),
  runs: z.number().int(),
  warmup: z.number().int(),
  inferenceMs: z.number(),
  detectMs: z.number(),
  providers: z.array(z.string()),
  intraOpThreads: z.string(),
});

export const artifactMeasurementSchema = z.object({
  file: z.string(),
  precision: z.string(),
  /** AP at IoU 0.5, 0..1, -1 where undefined. */
  ap50: z.object({
    ...Object.fromEntries(KEY_CLASSES.map((c) => [c, z.number()])),
    /** Mean over KEY_CLASSES. */
    keyClasses: z.number(),
    /** Mean over every ground-truth class the model has (all 20 VOC classes for COCO models). */
    allMapped: z.number(),
  }),
  /** AP50 of every evaluated class, by ground-truth name. */
  perClassAP50: z.record(z.string(), z.number()),
  /** The 12 COCO stats over all mapped classes. */
  stats: z.record(z.string(), z.number()),
  latency: latencySchema,
});
export type ArtifactMeasurement = z.infer<typeof artifactMeasurementSchema>;

export const voc100MeasurementSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    dataset: z.object({
      name: z.string(),
      /** Images and boxes evaluated (images missing from the folder are left out). */
      images: z.number().int(),
      boxes: z.number().int(),
      classMap: z.enum(['voc', 'none']),
    }),
    scoreThreshold: z.number(),
    results: z.array(artifactMeasurementSchema),
  }),
  z.object({
    status: z.literal('skipped'),
    /** disabled: the build was asked not to measure; no-media: VOC100 was not found. */
    because: z.enum(['disabled', 'no-media']),
    reason: z.string(),
  }),
]);
export type Voc100Measurement = z.infer<typeof voc100MeasurementSchema>;
