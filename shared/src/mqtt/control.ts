// Payloads of the hub ↔ detection worker control topics (controlTopics in topics.ts): the
// production detector the hub publishes retained after a promotion, and each worker's answer
// saying which model it serves. JSON, versioned, validated on receipt; decoding never throws.
import { z } from 'zod';
import { parseJsonMessage } from './json-message.ts';
import type { Parsed } from './json-message.ts';

export const CONTROL_VERSION = 1;
export const MAX_CONTROL_BYTES = 16 * 1024;

const isoTime = z
  .string()
  .max(40)
  .pipe(z.iso.datetime({ offset: true }));
const modelId = z.string().min(1).max(128);

export const detectorControlSchema = z.strictObject({
  v: z.literal(CONTROL_VERSION),
  /** The promotion's id in the hub's ledger: it only grows, so a lower one is stale. */
  revision: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** The model id the block opens as (logs, the workers' answers). */
  model: modelId,
  /**
   * hub.yaml `detector` model fields (adapter, file, classes, providers, min_score, ...). Each
   * worker checks them with its own batching and concurrency against the detector schema.
   */
  detector: z
    .record(z.string().max(64), z.unknown())
    .refine((d) => typeof d.adapter === 'string', 'detector.adapter must be a string'),
  issuedAt: isoTime,
});

export const workerModelSchema = z.strictObject({
  v: z.literal(CONTROL_VERSION),
  worker: z.string().min(1).max(200),
  /** The model the worker detects with now. */
  model: modelId,
  /** The control revision it serves; 0 is hub.yaml's detector. */
  revision: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The last control it could not apply (it kept serving `model`). */
  failed: z
    .strictObject({
      revision: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
      model: z.string().max(128),
      error: z.string().max(2_000),
    })
    .optional(),
  at: isoTime,
});

export type DetectorControl = z.infer<typeof detectorControlSchema>;
export type WorkerModel = z.infer<typeof workerModelSchema>;

export type ControlDecode<T> = Parsed<T>;

export const decodeDetectorControl = (b: Uint8Array): ControlDecode<DetectorControl> =>
  parseJsonMessage(detectorControlSchema, b, MAX_CONTROL_BYTES);
export const decodeWorkerModel = (b: Uint8Array): ControlDecode<WorkerModel> =>
  parseJsonMessage(workerModelSchema, b, MAX_CONTROL_BYTES);
