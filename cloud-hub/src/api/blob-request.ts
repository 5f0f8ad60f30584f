// Pure decisions for the hub's blob endpoint. The key is taken from the raw request URL, not
// the router's decoded parameter, so `%2F`, `%2e%2e` and friends are refused as written instead
// of being decoded into something else first; then the blob key whitelist applies (no '..',
// '.', empty segments, backslashes, NUL, leading '/').
import { createHash } from 'node:crypto';
import { parseFrameBlobKey, validateBlobKey } from '@pretag/shared/blob/keys';

export const BLOB_ROUTE_PREFIX = '/v1/blobs/';

export type KeyFromUrl = { ok: true; key: string } | { ok: false; message: string };

export function blobKeyFromRawUrl(rawUrl: string): KeyFromUrl {
  const q = rawUrl.indexOf('?');
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  if (!path.startsWith(BLOB_ROUTE_PREFIX))
    return { ok: false, message: `blob URLs are ${BLOB_ROUTE_PREFIX}{key}` };
  const key = path.slice(BLOB_ROUTE_PREFIX.length);
  if (key.includes('%'))
    return { ok: false, message: 'blob keys are sent as written: percent-encoding is refused' };
  const check = validateBlobKey(key);
  return check.ok ? { ok: true, key } : { ok: false, message: check.reason };
}

export type WriteTarget =
  { ok: true; site: string; camera: string } | { ok: false; status: 400 | 403; message: string };

/** Whether a device may write `key` at all (camera ownership is checked against the ledger). */
export function deviceWriteTarget(
  key: string,
  device: { site: string; device: string },
): WriteTarget {
  const parts = parseFrameBlobKey(key);
  if (!parts)
    return {
      ok: false,
      status: 400,
      message:
        'devices write frame keys only: frames/{site}/{camera}/{yyyy}/{mm}/{dd}/{frameId}.jpg',
    };
  if (parts.site !== device.site)
    return {
      ok: false,
      status: 403,
      message: `device ${device.device}@${device.site} may write only under frames/${device.site}/`,
    };
  return { ok: true, site: parts.site, camera: parts.camera };
}

export type Md5Check = { ok: true } | { ok: false; message: string };

/** Content-MD5 (RFC 1864: base64 of the 16-byte digest) against the body, when sent. */
export function checkContentMd5(header: string | undefined, body: Uint8Array): Md5Check {
  if (header === undefined) return { ok: true };
  const given = Buffer.from(header.trim(), 'base64');
  if (given.length !== 16 || !/^[A-Za-z0-9+/]{22}==$/.test(header.trim()))
    return { ok: false, message: 'Content-MD5 must be the base64 of a 16-byte MD5 digest' };
  const actual = createHash('md5').update(body).digest();
  return actual.equals(given)
    ? { ok: true }
    : { ok: false, message: 'Content-MD5 does not match the body (corrupted in transit?)' };
}

/** A JPEG starts with SOI (FF D8) and a marker (FF). */
export function looksLikeJpeg(body: Uint8Array): boolean {
  return body.length >= 3 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff;
}
