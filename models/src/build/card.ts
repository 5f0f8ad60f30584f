// The model card written next to each built model: where it came from, how to feed it, what
// comes out. Later build steps (INT8, measured accuracy/latency) add to `artifacts` and
// `measurements` without changing the rest.
import { z } from 'zod';

const tensorSpec = z.object({
  name: z.string(),
  dtype: z.string(),
  shape: z.array(z.number().int()),
});

export const artifactSchema = z.object({
  file: z.string(),
  precision: z.enum(['fp32', 'fp16', 'int8']),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  nodes: z.number().int().nonnegative(),
  opset: z.number().int(),
  /** Quantized artifacts: activation type, calibration summary, ops ONNX Runtime fused. */
  quantization: z.record(z.string(), z.unknown()).optional(),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const modelCardSchema = z.object({
  cardVersion: z.literal(1),
  name: z.string(),
  task: z.string(),
  adapter: z.string(),
  source: z.object({
    package: z.string(),
    version: z.string(),
    files: z.array(z.object({ path: z.string(), sha256: z.string() })),
    generatedBy: z.string().optional(),
    convertedBy: z.string().optional(),
  }),
  converter: z.object({
    version: z.string(),
    opset: z.number().int(),
    foldedNodes: z.number().int(),
  }),
  /** The FP32 conversion first; quantized copies follow. */
  artifacts: z.array(artifactSchema).min(1),
  input: tensorSpec.extend({ layout: z.enum(['NHWC', 'NCHW']) }),
  preprocessing: z.object({
    color: z.enum(['RGB', 'BGR']),
    resize: z.enum(['stretch', 'letterbox']),
    mean: z.array(z.number()).length(3),
    std: z.array(z.number()).length(3),
    note: z.string(),
  }),
  outputs: z.array(tensorSpec.extend({ meaning: z.string() })),
  classes: z.array(z.string()),
  /** Execution providers the build's sessions ran on, best first (set by the measure step). */
  providers: z.array(z.string()).optional(),
  /** Filled by later steps: execution providers that ran, latency, AP50 on VOC100, … */
  measurements: z.record(z.string(), z.unknown()),
});
export type ModelCard = z.infer<typeof modelCardSchema>;
