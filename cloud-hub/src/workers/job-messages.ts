// Messages between the hub and external detection workers (MQTT 5 shared subscriptions):
// `{prefix}/jobs/detect` carries a job, `{prefix}/jobs/results` carries its outcome. Both are
// JSON, versioned and validated on receipt.
import { z } from 'zod';
import { idSchema } from '@pretag/shared/ids';
import { detectionSchema } from '@pretag/shared/detection/schema';
import { frameIdProblem } from '@pretag/shared/blob/keys';
import { parseJsonMessage } from '@pretag/shared/mqtt/json-message';
import type { Parsed } from '@pretag/shared/mqtt/json-message';

export const JOB_MESSAGE_VERSION = 1;
export const MAX_JOB_MESSAGE_BYTES = 8 * 1024;
export const MAX_RESULT_MESSAGE_BYTES = 2 * 1024 * 1024;

export function jobTopics(prefix: string): {
  detect: string;
  results: string;
  shared(group: string): string;
} {
  const detect = `${prefix}/jobs/detect`;
  return {
    detect,
    results: `${prefix}/jobs/results`,
    shared: (group) => `$share/${group}/${detect}`,
  };
}

const frameId = z.string().refine((s) => frameIdProblem(s) === undefined, 'invalid frame id');

export const jobMessageSchema = z.strictObject({
  v: z.literal(JOB_MESSAGE_VERSION),
  jobId: z.int().positive(),
  /** The ledger's attempt number for this publication: stale failures are told apart by it. */
  attempt: z.int().min(1),
  frameId,
  blobKey: z.string().min(1).max(1024),
  width: z.int().min(1).max(16_384),
  height: z.int().min(1).max(16_384),
  site: idSchema,
  camera: idSchema,
  capturedAt: z.string().max(40),
});

const cloudDetectionSchema = detectionSchema.extend({
  kept: z.boolean().optional(),
  dropReason: z.string().max(64).optional(),
});

const resultBase = {
  v: z.literal(JOB_MESSAGE_VERSION),
  jobId: z.int().positive(),
  attempt: z.int().min(1),
  frameId,
  /** The worker that did it (for logs). */
  worker: z.string().min(1).max(200),
};

export const resultMessageSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ...resultBase,
    ok: z.literal(true),
    modelId: z.string().min(1).max(128),
    detections: z.array(cloudDetectionSchema).max(10_000),
    computeMs: z.number().min(0).max(86_400_000),
  }),
  z.strictObject({ ...resultBase, ok: z.literal(false), error: z.string().max(2_000) }),
]);

export type JobMessage = z.infer<typeof jobMessageSchema>;
export type ResultMessage = z.infer<typeof resultMessageSchema>;

export type { Parsed };

export const parseJobMessage = (b: Uint8Array): Parsed<JobMessage> =>
  parseJsonMessage(jobMessageSchema, b, MAX_JOB_MESSAGE_BYTES);
export const parseResultMessage = (b: Uint8Array): Parsed<ResultMessage> =>
  parseJsonMessage(resultMessageSchema, b, MAX_RESULT_MESSAGE_BYTES);
