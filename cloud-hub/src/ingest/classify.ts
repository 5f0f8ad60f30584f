// What one incoming MQTT message is: a frame, a status or a stats payload for a known device, or
// a bad message with the reason it was refused. Pure and total: never throws, whatever arrives.
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodePayload,
  topicMismatch,
} from '@pretag/shared/mqtt/payloads';
import type { FramePayload, StatsPayload, StatusPayload } from '@pretag/shared/mqtt/payloads';
import type { TopicScheme } from '@pretag/shared/mqtt/topics';

/** Why a message was refused; counters are kept per reason. */
export const BAD_REASONS = [
  'topic',
  'oversized',
  'payload',
  'mismatch',
  'unknown-camera',
  'not-stored',
] as const;
export type BadReason = (typeof BAD_REASONS)[number];

export type Classified =
  | { kind: 'frame'; value: FramePayload }
  | { kind: 'status'; value: StatusPayload }
  | { kind: 'stats'; value: StatsPayload }
  | { kind: 'bad'; reason: BadReason; detail: string; device: string };

export interface ClassifyOptions {
  scheme: TopicScheme;
  maxBytes?: Partial<Record<'frame' | 'status' | 'stats', number>>;
  /** False when the camera is known not to belong to the device; undefined when unknown. */
  cameraKnown?: (site: string, device: string, camera: string) => boolean | undefined;
}

export function classifyMessage(
  topic: string,
  payload: Uint8Array,
  options: ClassifyOptions,
): Classified {
  const parsed = options.scheme.parse(topic);
  if (!parsed.ok) return { kind: 'bad', reason: 'topic', detail: parsed.reason, device: '?' };
  const t = parsed.topic;
  const device = `${t.site}/${t.device}`;
  if (t.kind === 'config')
    return { kind: 'bad', reason: 'topic', detail: 'config is hub → edge', device };
  const max = options.maxBytes?.[t.kind] ?? DEFAULT_MAX_PAYLOAD_BYTES[t.kind];
  if (payload.byteLength > max)
    return {
      kind: 'bad',
      reason: 'oversized',
      detail: `payload is ${payload.byteLength} bytes, over the ${max}-byte limit`,
      device,
    };
  const decoded = decodePayload(t.kind, payload, max);
  if (!decoded.ok) return { kind: 'bad', reason: 'payload', detail: decoded.reason, device };
  const mismatch = topicMismatch(t, t.kind, decoded.value);
  if (mismatch) return { kind: 'bad', reason: 'mismatch', detail: mismatch, device };
  if (t.kind === 'frame') {
    const f = decoded.value as FramePayload;
    if (options.cameraKnown?.(f.site, f.device, f.camera) === false)
      return {
        kind: 'bad',
        reason: 'unknown-camera',
        detail: `camera "${f.camera}" is not one of device ${device}'s cameras`,
        device,
      };
    return { kind: 'frame', value: f };
  }
  if (t.kind === 'status') return { kind: 'status', value: decoded.value as StatusPayload };
  return { kind: 'stats', value: decoded.value as StatsPayload };
}
