// The model.json of a TFJS graph model (format "graph-model"), validated at the boundary.
import { z } from 'zod';

const attrValueSchema = z
  .object({
    s: z.string().optional(),
    i: z.union([z.string(), z.number()]).optional(),
    f: z.number().optional(),
    b: z.boolean().optional(),
    type: z.string().optional(),
    shape: z.unknown().optional(),
    tensor: z.unknown().optional(),
    list: z
      .object({
        s: z.array(z.string()).optional(),
        i: z.array(z.union([z.string(), z.number()])).optional(),
        f: z.array(z.number()).optional(),
        type: z.array(z.string()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type AttrValue = z.infer<typeof attrValueSchema>;

export const nodeSchema = z.object({
  name: z.string(),
  op: z.string(),
  input: z.array(z.string()).optional(),
  attr: z.record(z.string(), attrValueSchema).optional(),
  device: z.string().optional(),
});
export type TfNode = z.infer<typeof nodeSchema>;

const quantizationSchema = z.object({
  dtype: z.enum(['float16', 'uint8', 'uint16']),
  scale: z.number().optional(),
  min: z.number().optional(),
  original_dtype: z.string().optional(),
});

export const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  quantization: quantizationSchema.optional(),
});
export type WeightSpec = z.infer<typeof weightSpecSchema>;

const tensorSpecSchema = z.object({
  name: z.string(),
  dtype: z.string().optional(),
  tensorShape: z
    .object({
      dim: z.array(z.object({ size: z.union([z.string(), z.number()]).optional() })).optional(),
    })
    .optional(),
});
const signatureSchema = z.object({
  inputs: z.record(z.string(), tensorSpecSchema).optional(),
  outputs: z.record(z.string(), tensorSpecSchema).optional(),
});
export type Signature = z.infer<typeof signatureSchema>;

export const modelJsonSchema = z.object({
  format: z.literal('graph-model'),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullish(),
  signature: signatureSchema.optional(),
  userDefinedMetadata: z.object({ signature: signatureSchema.optional() }).loose().optional(),
  modelTopology: z.object({ node: z.array(nodeSchema) }).loose(),
  weightsManifest: z.array(
    z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) }),
  ),
});
export type ModelJson = z.infer<typeof modelJsonSchema>;
