// MQTT topic names: one builder and one parser, so the edge, the hub and the broker's ACL all
// agree on the shape `{prefix}/{site}/{device}[/{camera}]/{kind}`. The parser faces the network:
// it returns a result and never throws, whatever the input.
import { ID_MAX_LENGTH, idProblem } from '../ids.ts';

export const DEFAULT_TOPIC_PREFIX = 'pretag/v1';
export const MAX_PREFIX_LENGTH = 128;
const PREFIX_LEVEL = /^[A-Za-z0-9_.-]+$/;

export const DEVICE_TOPIC_KINDS = ['status', 'stats', 'config'] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];
export type TopicKind = 'frame' | DeviceTopicKind;

/** Who a device is: the pair its credentials are bound to. */
export interface DeviceRef {
  site: string;
  device: string;
}

export type ParsedTopic =
  | { kind: 'frame'; site: string; device: string; camera: string }
  | { kind: DeviceTopicKind; site: string; device: string };

export type TopicParseResult = { ok: true; topic: ParsedTopic } | { ok: false; reason: string };

/** QoS and retain flag for each topic, as the design's contract table fixes them. */
export const TOPIC_DELIVERY: Readonly<Record<TopicKind, { qos: 0 | 1; retain: boolean }>> =
  Object.freeze({
    frame: { qos: 1, retain: false },
    status: { qos: 1, retain: true },
    stats: { qos: 0, retain: false },
    config: { qos: 1, retain: true },
  });

/** Why a topic prefix is unusable, or undefined when it is fine. */
export function topicPrefixProblem(prefix: string): string | undefined {
  if (typeof prefix !== 'string') return 'is not a string';
  if (prefix.length === 0) return 'is empty';
  if (prefix.length > MAX_PREFIX_LENGTH) return `is longer than ${MAX_PREFIX_LENGTH} characters`;
  if (/[+#\0]/.test(prefix)) return "contains an MQTT wildcard ('+', '#') or NUL";
  if (prefix.startsWith('$')) return "starts with '$' (reserved for the broker)";
  for (const level of prefix.split('/')) {
    if (level === '') return "has an empty level (leading, trailing or double '/')";
    if (!PREFIX_LEVEL.test(level))
      return `level "${level.slice(0, 40)}" may use only letters, digits, "_", "-" and "."`;
  }
  return undefined;
}

function checkedPrefix(prefix: string): string {
  const p = topicPrefixProblem(prefix);
  if (p) throw new Error(`MQTT topic prefix "${String(prefix).slice(0, 80)}" ${p}`);
  return prefix;
}

function checkedId(what: string, id: string): string {
  const p = typeof id === 'string' ? idProblem(id) : 'is not a string';
  if (p) throw new Error(`${what} id "${String(id).slice(0, 80)}" ${p}`);
  return id;
}

/**
 * Topic names for one prefix. Builders throw on invalid ids: ids come from validated config, so
 * a bad one here is a programming error, not network input.
 */
export interface TopicScheme {
  readonly prefix: string;
  frame(site: string, device: string, camera: string): string;
  status(ref: DeviceRef): string;
  stats(ref: DeviceRef): string;
  config(ref: DeviceRef): string;
  /** Filters the hub subscribes to (all sites and devices). */
  readonly hubFilters: Readonly<{ frame: string; status: string; stats: string }>;
  parse(topic: unknown): TopicParseResult;
}

export function topicScheme(prefix: string = DEFAULT_TOPIC_PREFIX): TopicScheme {
  const pre = checkedPrefix(prefix);
  const device = (kind: DeviceTopicKind, ref: DeviceRef): string =>
    `${pre}/${checkedId('site', ref.site)}/${checkedId('device', ref.device)}/${kind}`;
  return Object.freeze({
    prefix: pre,
    frame: (site: string, dev: string, camera: string) =>
      `${pre}/${checkedId('site', site)}/${checkedId('device', dev)}/${checkedId('camera', camera)}/frame`,
    status: (ref: DeviceRef) => device('status', ref),
    stats: (ref: DeviceRef) => device('stats', ref),
    config: (ref: DeviceRef) => device('config', ref),
    hubFilters: Object.freeze({
      frame: `${pre}/+/+/+/frame`,
      status: `${pre}/+/+/status`,
      stats: `${pre}/+/+/stats`,
    }),
    parse: (topic: unknown) => parseTopicUnchecked(topic, pre),
  });
}

/** Parse a topic under `prefix`. Never throws; an invalid prefix is reported as the reason. */
export function parseTopic(
  topic: unknown,
  prefix: string = DEFAULT_TOPIC_PREFIX,
): TopicParseResult {
  const p = topicPrefixProblem(prefix);
  if (p) return { ok: false, reason: `topic prefix ${p}` };
  return parseTopicUnchecked(topic, prefix);
}

const fail = (reason: string): TopicParseResult => ({ ok: false, reason });

function parseTopicUnchecked(topic: unknown, prefix: string): TopicParseResult {
  if (typeof topic !== 'string') return fail('topic is not a string');
  // Longest valid topic: prefix + 3 ids + "status" and separators. Checked before any splitting
  // so a 64 KiB topic costs nothing.
  const maxLength = prefix.length + 3 * (ID_MAX_LENGTH + 1) + '/status'.length;
  if (topic.length > maxLength) return fail(`topic is longer than ${maxLength} characters`);
  if (/[+#]/.test(topic)) return fail('topic contains an MQTT wildcard');
  if (topic.includes('\0')) return fail('topic contains NUL');
  if (!topic.startsWith(`${prefix}/`)) return fail(`topic is not under "${prefix}/"`);
  const levels = topic.slice(prefix.length + 1).split('/');
  const [site = '', dev = '', third = '', fourth] = levels;
  if (levels.length !== 3 && levels.length !== 4)
    return fail(`topic has ${levels.length} levels after the prefix, expected 3 or 4`);
  const bad = (what: string, id: string): string | undefined => {
    const p = idProblem(id);
    return p ? `${what} id ${p}` : undefined;
  };
  const siteBad = bad('site', site) ?? bad('device', dev);
  if (siteBad) return fail(siteBad);
  if (fourth !== undefined) {
    if (fourth !== 'frame') return fail(`unknown camera topic "${fourth.slice(0, 20)}"`);
    const camBad = bad('camera', third);
    if (camBad) return fail(camBad);
    return { ok: true, topic: { kind: 'frame', site, device: dev, camera: third } };
  }
  const kind = DEVICE_TOPIC_KINDS.find((k) => k === third);
  if (!kind) return fail(`unknown device topic "${third.slice(0, 20)}"`);
  return { ok: true, topic: { kind, site, device: dev } };
}

/**
 * Broker ACL: a device may publish frames, status and stats under its own site/device only.
 * Config is hub → edge, so a device never publishes it. Wildcards never parse, so never pass.
 */
export function deviceMayPublish(
  topic: unknown,
  who: DeviceRef,
  prefix: string = DEFAULT_TOPIC_PREFIX,
): boolean {
  const r = parseTopic(topic, prefix);
  if (!r.ok || r.topic.kind === 'config') return false;
  return r.topic.site === who.site && r.topic.device === who.device;
}

/** Broker ACL: a device may subscribe to exactly its own config topic, nothing else. */
export function deviceMaySubscribe(
  filter: unknown,
  who: DeviceRef,
  prefix: string = DEFAULT_TOPIC_PREFIX,
): boolean {
  const r = parseTopic(filter, prefix);
  if (!r.ok || r.topic.kind !== 'config') return false;
  return r.topic.site === who.site && r.topic.device === who.device;
}

/**
 * Hub ↔ detection worker control in the scale-out shape. `detector` (hub → workers, QoS 1,
 * retained) carries the production detector; each worker answers on `workerModel(name)`
 * (retained, cleared by its last will). Two levels, or a third that is not a device kind, so
 * neither ever parses as a device topic nor matches the hub's ingest filters.
 */
export interface ControlTopics {
  readonly detector: string;
  workerModel(worker: string): string;
  /** Filter for every worker's model status (the hub subscribes). */
  readonly workerModels: string;
}

/** A worker name as one topic level: wildcards, '/' and NUL become '_'. */
export function workerTopicLevel(worker: string): string {
  const level = worker.replace(/[/+#\0]/g, '_').slice(0, 128);
  return level === '' ? '_' : level;
}

export function controlTopics(prefix: string = DEFAULT_TOPIC_PREFIX): ControlTopics {
  const pre = checkedPrefix(prefix);
  return Object.freeze({
    detector: `${pre}/control/detector`,
    workerModel: (worker: string) => `${pre}/workers/${workerTopicLevel(worker)}/model`,
    workerModels: `${pre}/workers/+/model`,
  });
}
