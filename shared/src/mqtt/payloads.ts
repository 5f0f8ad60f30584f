// Versioned JSON payloads for the four MQTT topics. Everything arriving over MQTT goes through
// decodePayload: size-checked before parsing, shape-checked after, every string and array
// bounded. A bad message yields a short reason, never an exception.
import { z } from 'zod';
import { idSchema, isValidId } from '../ids.ts';
import {
  MAX_BLOB_KEY_LENGTH,
  blobKeyProblem,
  frameIdProblem,
  frameKeyPrefix,
} from '../blob/keys.ts';
import { MAX_LABEL_LENGTH, detectionSchema } from '../detection/schema.ts';
import type { ParsedTopic, TopicKind } from './topics.ts';

export const PAYLOAD_VERSION = 1;
export const MAX_EDGE_DETECTIONS = 300;
export const MAX_CAMERAS_PER_DEVICE = 256;
export const MAX_CLASSES = 100;
export const MAX_IMAGE_SIDE = 16_384;
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** JSON nesting deeper than this is refused before validation (real payloads are 4 deep). */
export const MAX_JSON_DEPTH = 8;

/** Size limits per topic, sized for the largest valid payload with room to spare. */
export const DEFAULT_MAX_PAYLOAD_BYTES: Readonly<Record<TopicKind, number>> = Object.freeze({
  frame: 64 * 1024,
  status: 32 * 1024,
  stats: 128 * 1024,
  config: 64 * 1024,
});

const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, 'must be printable text');
// Longest ISO form: 2026-11-27T00:38:12.123456789+01:00 (35 characters).
const isoTime = z
  .string()
  .max(40)
  .pipe(z.iso.datetime({ offset: true }));
const counter = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const fraction = z.number().min(0).max(1);
const label = printable(MAX_LABEL_LENGTH);
const frameId = z.string().superRefine((s, ctx) => {
  const p = frameIdProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `frame id ${p}` });
});

/** A record keyed by camera id, with at most MAX_CAMERAS_PER_DEVICE entries. */
const perCamera = <T extends z.ZodType>(value: T) =>
  z.record(idSchema, value).refine((r) => Object.keys(r).length <= MAX_CAMERAS_PER_DEVICE, {
    message: `at most ${MAX_CAMERAS_PER_DEVICE} cameras`,
  });

/** The pre-filter and motion settings that decided to send a frame. */
export const thresholdsSchema = z.strictObject({
  minScore: fraction,
  /** Fraction of the frame a box must cover. */
  minArea: fraction,
  /** Largest fraction of the frame a box may cover (edge.yaml prefilter.max_area). */
  maxArea: fraction.optional(),
  classes: z.array(label).max(MAX_CLASSES),
  /** Per-pixel difference (0–255) that counts as motion. */
  motionThreshold: z.number().min(0).max(255).optional(),
  /** Fraction of the frame that must move. */
  motionMinArea: fraction.optional(),
});

export const framePayloadSchema = z
  .strictObject({
    v: z.literal(PAYLOAD_VERSION),
    /** Stable and unique: the hub's ingest is idempotent on it. */
    frameId,
    capturedAt: isoTime,
    site: idSchema,
    device: idSchema,
    camera: idSchema,
    blobKey: z.string().max(MAX_BLOB_KEY_LENGTH),
    width: z.int().min(1).max(MAX_IMAGE_SIDE),
    height: z.int().min(1).max(MAX_IMAGE_SIDE),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
    bytes: z.int().min(1).max(MAX_FRAME_BYTES),
    reason: z.enum(['prefilter', 'motion', 'audit', 'manual']),
    /** The edge pre-filter's detections, in pixels of this frame. */
    detections: z.array(detectionSchema).max(MAX_EDGE_DETECTIONS),
    /** Fraction of the frame that moved; null when the gate did not measure it. */
    motionScore: fraction.nullable(),
    thresholds: thresholdsSchema,
    modelId: printable(128),
  })
  .superRefine((f, ctx) => {
    const keyBad = blobKeyProblem(f.blobKey);
    if (keyBad) {
      ctx.addIssue({ code: 'custom', path: ['blobKey'], message: `blob key ${keyBad}` });
      return;
    }
    // Ids are already checked by their own schemas; only build the prefix when they are valid.
    if (isValidId(f.site) && isValidId(f.camera)) {
      const prefix = frameKeyPrefix(f.site, f.camera);
      if (!f.blobKey.startsWith(prefix))
        ctx.addIssue({
          code: 'custom',
          path: ['blobKey'],
          message: `blob key must be under "${prefix}"`,
        });
    }
  });

export const statusPayloadSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  site: idSchema,
  device: idSchema,
  state: z.enum(['online', 'offline']),
  agentVersion: printable(64),
  cameras: z
    .array(idSchema)
    .max(MAX_CAMERAS_PER_DEVICE)
    .refine((c) => new Set(c).size === c.length, { message: 'camera ids must be unique' }),
  uptime_s: z.number().min(0).max(1e10),
  at: isoTime,
});

/** Counters for one camera since the previous stats message. */
export const cameraCountersSchema = z.strictObject({
  decoded: counter,
  sampled: counter,
  /** Frames the motion / scene-change gate let through. */
  gated: counter,
  inferred: counter,
  uploaded: counter,
  audited: counter,
  /** Frames sent for unexplained motion. */
  motion: counter,
  /** Bytes written to the spool. */
  spooledBytes: counter,
  /** Frames dropped (spool full or too old). */
  dropped: counter,
});

export const statsPayloadSchema = z
  .strictObject({
    v: z.literal(PAYLOAD_VERSION),
    site: idSchema,
    device: idSchema,
    windowStart: isoTime,
    windowEnd: isoTime,
    cameras: perCamera(cameraCountersSchema),
  })
  .refine((s) => Date.parse(s.windowEnd) >= Date.parse(s.windowStart), {
    path: ['windowEnd'],
    message: 'windowEnd is before windowStart',
  });

/** Remote overrides for one camera; absent keys keep the local edge.yaml value. */
export const cameraOverridesSchema = z.strictObject({
  minScore: fraction.optional(),
  minArea: fraction.optional(),
  maxArea: fraction.optional(),
  classes: z.array(label).max(MAX_CLASSES).optional(),
  motionThreshold: z.number().min(0).max(255).optional(),
  motionMinArea: fraction.optional(),
  auditRate: fraction.optional(),
});

export const configPayloadSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  site: idSchema,
  device: idSchema,
  issuedAt: isoTime,
  cameras: perCamera(cameraOverridesSchema),
});

export type FramePayload = z.infer<typeof framePayloadSchema>;
export type StatusPayload = z.infer<typeof statusPayloadSchema>;
export type StatsPayload = z.infer<typeof statsPayloadSchema>;
export type ConfigPayload = z.infer<typeof configPayloadSchema>;
export type FrameThresholds = z.infer<typeof thresholdsSchema>;
export type CameraCounters = z.infer<typeof cameraCountersSchema>;
export type CameraOverrides = z.infer<typeof cameraOverridesSchema>;

export interface PayloadByKind {
  frame: FramePayload;
  status: StatusPayload;
  stats: StatsPayload;
  config: ConfigPayload;
}

export const PAYLOAD_SCHEMAS: { readonly [K in TopicKind]: z.ZodType<PayloadByKind[K]> } = {
  frame: framePayloadSchema,
  status: statusPayloadSchema,
  stats: statsPayloadSchema,
  config: configPayloadSchema,
};

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Walks the parsed JSON without recursion, so hostile nesting cannot overflow the stack. Two
 * parallel stacks and for-in over own keys: no per-node tuples or entry arrays (this runs on
 * every message, so its allocations showed in the ingest profile).
 */
function structureProblem(root: unknown): string | undefined {
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  while (nodes.length) {
    const node = nodes.pop();
    const depth = depths.pop() as number;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    if (Array.isArray(node)) {
      for (const item of node as unknown[]) {
        if (item !== null && typeof item === 'object') {
          nodes.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    // JSON.parse makes only own, enumerable data properties on plain objects.
    for (const key in node) {
      if (FORBIDDEN_KEYS.has(key)) return `forbidden key "${key}"`;
      const value = (node as Record<string, unknown>)[key];
      if (value !== null && typeof value === 'object') {
        nodes.push(value);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

function issueText(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : 'payload';
  return `${where}: ${issue.message}`.slice(0, 200);
}

/**
 * Decode a payload from the network: size limit first, then UTF-8, JSON, structure (depth,
 * forbidden keys), version and schema. The reason is short enough to log once per message.
 */
export function decodePayload<K extends TopicKind>(
  kind: K,
  payload: Uint8Array | string,
  maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES[kind],
): DecodeResult<PayloadByKind[K]> {
  // Own keys only: a kind such as "toString" must not reach Object.prototype.
  if (!Object.hasOwn(PAYLOAD_SCHEMAS, kind))
    return { ok: false, reason: `unknown payload kind "${String(kind).slice(0, 20)}"` };
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit; check cheaply before encoding.
  const size =
    typeof payload === 'string'
      ? payload.length * 3 <= maxBytes
        ? 0
        : Buffer.byteLength(payload, 'utf8')
      : payload.byteLength;
  if (size > maxBytes)
    return { ok: false, reason: `payload is ${size} bytes, over the ${maxBytes}-byte limit` };
  let text: string;
  if (typeof payload === 'string') text = payload;
  else {
    try {
      text = utf8.decode(payload);
    } catch {
      return { ok: false, reason: 'payload is not valid UTF-8' };
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `payload is not JSON (${(e as Error).message.slice(0, 80)})` };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return { ok: false, reason: 'payload is not a JSON object' };
  const bad = structureProblem(data);
  if (bad) return { ok: false, reason: `payload ${bad}` };
  const v = (data as { v?: unknown }).v;
  if (v !== PAYLOAD_VERSION)
    return {
      ok: false,
      reason:
        v === undefined
          ? 'payload has no schema version "v"'
          : `unsupported schema version v=${JSON.stringify(v).slice(0, 20)} (this build reads v=${PAYLOAD_VERSION})`,
    };
  const r = PAYLOAD_SCHEMAS[kind].safeParse(data);
  if (!r.success) {
    const [first] = r.error.issues;
    const more = r.error.issues.length > 1 ? ` (+${r.error.issues.length - 1} more)` : '';
    return { ok: false, reason: `${first ? issueText(first) : 'invalid payload'}${more}` };
  }
  return { ok: true, value: r.data };
}

export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Validate and serialise an outgoing payload; throws PayloadError naming the first problem. */
export function encodePayload<K extends TopicKind>(kind: K, value: PayloadByKind[K]): Buffer {
  const r = PAYLOAD_SCHEMAS[kind].safeParse(value);
  if (!r.success) {
    const [first] = r.error.issues;
    throw new PayloadError(`invalid ${kind} payload: ${first ? issueText(first) : 'invalid'}`);
  }
  const bytes = Buffer.from(JSON.stringify(r.data), 'utf8');
  const max = DEFAULT_MAX_PAYLOAD_BYTES[kind];
  if (bytes.byteLength > max)
    throw new PayloadError(
      `${kind} payload is ${bytes.byteLength} bytes, over the ${max}-byte limit`,
    );
  return bytes;
}

/**
 * Why a decoded payload disagrees with the topic it came on (site, device, camera, kind), or
 * undefined when they agree. The broker ACL checks the topic; this checks the body against it.
 */
export function topicMismatch<K extends TopicKind>(
  topic: ParsedTopic,
  kind: K,
  payload: PayloadByKind[K],
): string | undefined {
  if (topic.kind !== kind) return `a ${kind} payload arrived on a ${topic.kind} topic`;
  if (payload.site !== topic.site)
    return `payload site "${payload.site}" ≠ topic site "${topic.site}"`;
  if (payload.device !== topic.device)
    return `payload device "${payload.device}" ≠ topic device "${topic.device}"`;
  if (topic.kind === 'frame') {
    const camera = (payload as FramePayload).camera;
    if (camera !== topic.camera)
      return `payload camera "${camera}" ≠ topic camera "${topic.camera}"`;
  }
  return undefined;
}
