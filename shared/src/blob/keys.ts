// Blob keys are written by devices and become file paths on the hub, so the rule is a whitelist:
// '/'-separated segments of [A-Za-z0-9_.-], none empty, none starting with '.', no '%'.
// That refuses '..', absolute paths, backslashes, NUL, percent-encoding and look-alike unicode
// in one go, and leaves dot-names free for a store's own temp and metadata files.
import { idProblem } from '../ids.ts';

/** Azure's limit for blob names, and comfortably under PATH_MAX. */
export const MAX_BLOB_KEY_LENGTH = 1024;
// Leaves room in a 255-byte file name for the store's own `.{name}.type` metadata file.
export const MAX_BLOB_SEGMENT_LENGTH = 200;
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** A frame id is a file name stem: no dots, so `{frameId}.jpg` splits one way only. */
export const FRAME_ID_MAX_LENGTH = 128;
export const FRAME_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export type BlobKeyCheck = { ok: true } | { ok: false; reason: string };

/** Why `key` is not an acceptable blob key, or undefined when it is. */
export function blobKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'is not a string';
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_BLOB_KEY_LENGTH) return `is longer than ${MAX_BLOB_KEY_LENGTH} characters`;
  if (key.includes('\0')) return 'contains NUL';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return "is absolute (starts with '/')";
  if (key.includes('%')) return "contains '%' (percent-encoding is not accepted)";
  for (const seg of key.split('/')) {
    if (seg === '') return "has an empty segment (double or trailing '/')";
    if (seg === '.' || seg === '..') return `has a "${seg}" segment`;
    if (seg.length > MAX_BLOB_SEGMENT_LENGTH)
      return `has a segment longer than ${MAX_BLOB_SEGMENT_LENGTH} characters`;
    if (seg.startsWith('.')) return `has a segment starting with '.'`;
    if (!SEGMENT.test(seg))
      return `segment "${seg.slice(0, 40)}" may use only letters, digits, "_", "-" and "."`;
  }
  return undefined;
}

export function validateBlobKey(key: unknown): BlobKeyCheck {
  const reason = blobKeyProblem(key);
  return reason === undefined ? { ok: true } : { ok: false, reason: `blob key ${reason}` };
}

export class BlobKeyError extends Error {
  override name = 'BlobKeyError';
}

/** Throws BlobKeyError naming the problem; returns the key unchanged when it is fine. */
export function assertBlobKey(key: unknown): string {
  const r = validateBlobKey(key);
  if (!r.ok) throw new BlobKeyError(`${r.reason}: "${String(key).slice(0, 120)}"`);
  return key as string;
}

/**
 * True when `key` is a valid key strictly inside `prefix`, compared segment by segment
 * (`frames/a/b/` and `frames/a/b` are the same prefix; `frames/a/bc/x` is not inside it).
 */
export function keyWithinPrefix(key: unknown, prefix: string): boolean {
  if (!validateBlobKey(key).ok) return false;
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!validateBlobKey(base).ok) return false;
  return (key as string).startsWith(`${base}/`);
}

export function frameIdProblem(frameId: unknown): string | undefined {
  if (typeof frameId !== 'string') return 'is not a string';
  if (frameId.length === 0) return 'is empty';
  if (frameId.length > FRAME_ID_MAX_LENGTH)
    return `is longer than ${FRAME_ID_MAX_LENGTH} characters`;
  if (!FRAME_ID_PATTERN.test(frameId))
    return 'may use only letters, digits, "_" and "-" and must start with a letter or digit';
  return undefined;
}

/** `frames/{site}/{camera}/` — everything a camera's frames are stored under. */
export function frameKeyPrefix(site: string, camera: string): string {
  for (const [what, id] of [
    ['site', site],
    ['camera', camera],
  ] as const) {
    const p = idProblem(id);
    if (p) throw new BlobKeyError(`${what} id "${String(id).slice(0, 80)}" ${p}`);
  }
  return `frames/${site}/${camera}/`;
}

export interface FrameKeyParts {
  site: string;
  camera: string;
  /** When the frame was captured: a Date or an ISO 8601 string; the key uses its UTC date. */
  capturedAt: Date | string;
  frameId: string;
}

/** `frames/{site}/{camera}/{yyyy}/{mm}/{dd}/{frameId}.jpg`, date in UTC. Throws on bad parts. */
export function frameBlobKey(parts: FrameKeyParts): string {
  const prefix = frameKeyPrefix(parts.site, parts.camera);
  const idBad = frameIdProblem(parts.frameId);
  if (idBad) throw new BlobKeyError(`frame id "${String(parts.frameId).slice(0, 80)}" ${idBad}`);
  const at = parts.capturedAt instanceof Date ? parts.capturedAt : new Date(parts.capturedAt);
  const t = at.getTime();
  if (!Number.isFinite(t))
    throw new BlobKeyError(`capturedAt "${String(parts.capturedAt)}" is not a valid date`);
  const year = at.getUTCFullYear();
  if (year < 1970 || year > 9999) throw new BlobKeyError(`capturedAt year ${year} is out of range`);
  const mm = String(at.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(at.getUTCDate()).padStart(2, '0');
  return `${prefix}${year}/${mm}/${dd}/${parts.frameId}.jpg`;
}

export interface ParsedFrameKey {
  site: string;
  camera: string;
  /** UTC date as `yyyy-mm-dd`. */
  date: string;
  frameId: string;
}

const FRAME_KEY = /^frames\/([^/]+)\/([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)\.jpg$/;

/** Split a frame key back into its parts; undefined when it is not a well-formed frame key. */
export function parseFrameBlobKey(key: unknown): ParsedFrameKey | undefined {
  if (!validateBlobKey(key).ok) return undefined;
  const m = FRAME_KEY.exec(key as string);
  if (!m) return undefined;
  const [, site = '', camera = '', y = '', mo = '', d = '', frameId = ''] = m;
  if (idProblem(site) || idProblem(camera) || frameIdProblem(frameId)) return undefined;
  const date = `${y}-${mo}-${d}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (!Number.isFinite(check.getTime()) || check.toISOString().slice(0, 10) !== date)
    return undefined;
  return { site, camera, date, frameId };
}
