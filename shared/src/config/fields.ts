// Field schemas shared by edge.yaml and hub.yaml. Each one says, in its error, what it expected
// and what it got, because a site engineer reads these messages, not the schema.
import { z } from 'zod';
import { COCO80_NAMES } from '../coco/categories.ts';
import { idProblem } from '../ids.ts';
import { didYouMean } from './did-you-mean.ts';

/** A short, human description of a YAML value. */
export function describeValue(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** An error function: "expected <what>, got <value>", or "is required" when absent. */
export function expected(what: string) {
  return (iss: { input?: unknown }): string =>
    iss.input === undefined
      ? `is required (expected ${what})`
      : `expected ${what}, got ${describeValue(iss.input)}`;
}

/** Marks the messages of a strict object's unknown keys so the loader can split them per key. */
export const UNKNOWN_KEY_SEPARATOR = '\u0000';

/** An object that rejects unknown keys, suggesting the nearest known key for each. */
export function strict<T extends z.ZodRawShape>(shape: T, what = 'a mapping of settings') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys')
        return iss.keys
          .map((k) => `unknown key "${k}"${didYouMean(k, known)}`)
          .join(UNKNOWN_KEY_SEPARATOR);
      if (iss.code === 'invalid_type') return expected(`${what} (key: value lines)`)(iss);
      return undefined;
    },
  });
}

type StrictObject<T extends z.ZodRawShape> = z.ZodObject<T, z.core.$strict>;
type PartialStrictObject<T extends z.ZodRawShape> = z.ZodObject<
  { [K in keyof T]: z.ZodOptional<T[K]> },
  z.core.$strict
>;

/**
 * A builder for nested settings objects: full form (every key required) or override form
 * (every key optional), so one description serves both the resolved settings and the layers.
 */
export function layerObject<P extends boolean>(partial: P) {
  return <T extends z.ZodRawShape>(shape: T, what?: string) =>
    (partial ? strict(shape, what).partial() : strict(shape, what)) as P extends true
      ? PartialStrictObject<T>
      : StrictObject<T>;
}

/** Makes every top-level field optional, for override layers (camera, schedule window). */
export function optionalShape<T extends z.ZodRawShape>(
  shape: T,
): { [K in keyof T]: z.ZodOptional<T[K]> } {
  const entries = Object.entries(shape as unknown as Record<string, z.ZodType>);
  return Object.fromEntries(entries.map(([k, s]) => [k, s.optional()])) as unknown as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}

interface NumberRange {
  min?: number;
  /** Lower bound that the value must exceed. */
  above?: number;
  max?: number;
  int?: boolean;
}

export function number(what: string, range: NumberRange = {}) {
  const err = expected(what);
  let s = range.int ? z.number({ error: err }).int({ error: err }) : z.number({ error: err });
  if (range.min !== undefined) s = s.min(range.min, { error: err });
  if (range.above !== undefined) s = s.gt(range.above, { error: err });
  if (range.max !== undefined) s = s.max(range.max, { error: err });
  return s;
}

export const fraction = number('a number between 0 and 1', { min: 0, max: 1 });
export const fps = number('a frame rate above 0 and at most 60', { above: 0, max: 60 });
export const positive = number('a number above 0', { above: 0 });
export const positiveInt = number('a whole number of at least 1', { min: 1, int: true });
export const port = number('a port number between 1 and 65535', { min: 1, max: 65535, int: true });
export const bool = z.boolean({ error: expected('true or false') });

export function nonEmptyString(what: string) {
  const err = expected(what);
  return z
    .string({ error: err })
    .min(1, { error: err })
    .refine((s) => !s.includes('\0'), { error: `${what} must not contain NUL` });
}

export const filePath = nonEmptyString('a file path');

/** A site, device or camera id: the rule shared with MQTT topics and blob keys. */
export const id = z.string({ error: expected('an id') }).superRefine((s, ctx) => {
  const p = idProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `id "${s.slice(0, 80)}" ${p}` });
});

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const list = values.map((v) => `"${v}"`).join(', ');
  return z.string({ error: expected(`one of ${list}`) }).transform((s, ctx) => {
    if ((values as readonly string[]).includes(s)) return s;
    ctx.addIssue({
      code: 'custom',
      message: `expected one of ${list}, got "${s}"${didYouMean(s, values)}`,
    });
    return z.NEVER;
  });
}

const COCO_SET = new Set(COCO80_NAMES);

export const cocoClass = z
  .string({ error: expected('a COCO class name such as "person"') })
  .superRefine((s, ctx) => {
    if (!COCO_SET.has(s))
      ctx.addIssue({
        code: 'custom',
        message: `unknown COCO class "${s}"${didYouMean(s, COCO80_NAMES)}`,
      });
  });

/** A non-empty list of names without repeats. */
export function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item, { error: expected(`a list of ${what}`) })
    .min(1, { error: `expected at least one of ${what}` })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        if (seen.has(v))
          ctx.addIssue({ code: 'custom', path: [i], message: `"${v}" is listed twice` });
        seen.add(v);
      });
    });
}

export const cocoClassList = uniqueList(cocoClass, 'COCO class names');

const POLYGON =
  'a polygon as a flat list [x1, y1, x2, y2, ...] of at least 3 points, each coordinate between 0 and 1';

/** A normalised polygon: a flat [x, y, ...] list in 0..1 with at least 3 points. */
export const polygon = z
  .array(number('a coordinate between 0 and 1 (fraction of the frame)', { min: 0, max: 1 }), {
    error: expected(POLYGON),
  })
  .superRefine((xs, ctx) => {
    if (xs.length < 6 || xs.length % 2 !== 0)
      ctx.addIssue({ code: 'custom', message: `expected ${POLYGON}, got ${xs.length} numbers` });
  });

export const polygonList = z.array(polygon, {
  error: expected('a list of polygons, e.g. [[0, 0, 0.2, 0, 0.2, 0.1]]'),
});

/** "HH:MM" (24-hour clock, site local time), normalised to two-digit hours. "24:00" is allowed as an end. */
export const timeOfDay = z
  .string({ error: expected('a time of day "HH:MM" in quotes, e.g. "19:00"') })
  .transform((s, ctx) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
    const h = Number(m?.[1]);
    const min = Number(m?.[2]);
    if (!m || h > 24 || min > 59 || (h === 24 && min !== 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a time of day "HH:MM" between "00:00" and "24:00", got ${JSON.stringify(s)}`,
      });
      return z.NEVER;
    }
    return `${String(h).padStart(2, '0')}:${m[2]}`;
  });

let zoneNames: string[] | undefined;

/** An IANA time zone name that this Node's ICU knows, canonicalised (e.g. "Europe/Dublin"). */
export const timezone = z
  .string({ error: expected('an IANA time zone such as "Europe/Dublin"') })
  .transform((s, ctx) => {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: s }).resolvedOptions().timeZone;
    } catch {
      zoneNames ??= Intl.supportedValuesOf('timeZone');
      ctx.addIssue({
        code: 'custom',
        message: `unknown time zone "${s}"${didYouMean(s, zoneNames)}; expected an IANA name such as "Europe/Dublin" or "America/New_York"`,
      });
      return z.NEVER;
    }
  });

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};
const BYTES_WHAT = 'a size in bytes, or a string such as "500MB" or "2GiB"';

/** A byte count: a whole number, or "2GiB" / "500 MB" (KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024). */
export const byteSize = z
  .union([z.number(), z.string()], { error: expected(BYTES_WHAT) })
  .transform((v, ctx) => {
    let bytes = typeof v === 'number' ? v : NaN;
    if (typeof v === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(v.trim());
      const unit = BYTE_UNITS[(m?.[2] ?? 'b').toLowerCase()];
      if (m && unit !== undefined) bytes = Math.floor(Number(m[1]) * unit);
    }
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      ctx.addIssue({ code: 'custom', message: `expected ${BYTES_WHAT}, got ${describeValue(v)}` });
      return z.NEVER;
    }
    return bytes;
  });

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_WHAT = 'a duration in seconds, or a string such as "90s", "30m", "12h" or "7d"';

/** A duration in seconds: a number, or "30m" / "12h" / "7d". */
export const duration = z
  .union([z.number(), z.string()], { error: expected(DURATION_WHAT) })
  .transform((v, ctx) => {
    let seconds = typeof v === 'number' ? v : NaN;
    if (typeof v === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(v.trim());
      if (m) seconds = Number(m[1]) * (SECONDS[m[2] ?? 's'] ?? NaN);
    }
    if (!Number.isFinite(seconds) || seconds <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${DURATION_WHAT}, got ${describeValue(v)}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

/** A URL whose scheme is one of `schemes` (without the colon). */
export function url(schemes: readonly string[], what: string) {
  return z.string({ error: expected(what) }).superRefine((s, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(s);
    } catch {
      // reported below
    }
    if (!u || !schemes.includes(u.protocol.slice(0, -1)) || !u.host)
      ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${describeValue(s)}` });
  });
}

export const mqttUrl = url(
  ['mqtt', 'mqtts', 'ws', 'wss'],
  'an MQTT URL (mqtt://, mqtts://, ws:// or wss://) with a host',
);
export const httpUrl = url(['http', 'https'], 'an http:// or https:// URL');

/** An MQTT topic prefix such as "pretag/v1": levels without wildcards, NUL or empty parts. */
export const topicPrefix = z
  .string({ error: expected('an MQTT topic prefix such as "pretag/v1"') })
  .superRefine((s, ctx) => {
    if (
      s.length === 0 ||
      s.length > 128 ||
      /[+#\0]/.test(s) ||
      s.split('/').some((l) => l === '' || l === '..' || l === '.')
    )
      ctx.addIssue({
        code: 'custom',
        message: `expected an MQTT topic prefix such as "pretag/v1" (levels separated by "/", no "+", "#", empty levels or NUL), got ${describeValue(s)}`,
      });
  });
