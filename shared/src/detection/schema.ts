// zod schemas for detections arriving from the network (edge → hub payloads, worker results).
import { z } from 'zod';
import type { BoxXYXY, Detection } from './types.ts';

export const MAX_LABEL_LENGTH = 64;
/** Pixel coordinates beyond this are nonsense for any camera, so they are refused. */
export const MAX_COORDINATE = 100_000;

const coordinate = z.number().min(-MAX_COORDINATE).max(MAX_COORDINATE);

export const boxSchema = z
  .tuple([coordinate, coordinate, coordinate, coordinate])
  .refine((b) => b[2] >= b[0] && b[3] >= b[1], {
    message: 'box must be [x1, y1, x2, y2] with x2 ≥ x1 and y2 ≥ y1',
  }) satisfies z.ZodType<BoxXYXY>;

export const detectionSchema = z.strictObject({
  label: z
    .string()
    .min(1)
    .max(MAX_LABEL_LENGTH)
    // Printable text only: labels end up in logs, CSV and HTML.
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, 'label must be printable text'),
  score: z.number().min(0).max(1),
  box: boxSchema,
}) satisfies z.ZodType<Detection>;
