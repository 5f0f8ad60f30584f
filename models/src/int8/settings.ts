// INT8 quantization settings (the default is the best measured on VOC100, see the model card's
// measurements.int8) and what the step records in `measurements.int8`.
import { z } from 'zod';

export const int8SettingsSchema = z.strictObject({
  /** Calibration frames over all inputs. */
  frames: z.int().positive(),
  method: z.enum(['minmax', 'percentile']),
  percentile: z.number().gt(0).lte(100).optional(),
  /** Video sampling rate; unset spreads each video's share over its whole duration. */
  fps: z.number().positive().optional(),
  exclude: z
    .strictObject({
      nodes: z.array(z.string()).optional(),
      opTypes: z.array(z.string()).optional(),
      tensors: z.array(z.string()).optional(),
    })
    .optional(),
});
export type Int8Settings = z.infer<typeof int8SettingsSchema>;

export const DEFAULT_INT8_SETTINGS: Int8Settings = { frames: 32, method: 'minmax' };

export const int8StatusSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('built'),
    files: z.array(z.string()),
    calibration: z.object({
      origin: z.string(),
      frames: z.int(),
      method: z.string(),
      filesSha256: z.string(),
    }),
    settings: int8SettingsSchema,
    /** INT8 − FP32 AP50 in points, per INT8 file (set after the measure step). */
    ap50Delta: z.record(z.string(), z.record(z.string(), z.number())).optional(),
  }),
  z.object({ status: z.literal('skipped'), reason: z.string() }),
]);
export type Int8Status = z.infer<typeof int8StatusSchema>;
