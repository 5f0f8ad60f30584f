// HttpBlobStore against a real node:http server implementing the hub's blob contract.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKeyError, frameBlobKey } from '@pretag/shared/blob/keys';
import { BlobScopeError } from '@pretag/shared/blob/remote';
import { HttpBlobError, HttpBlobStore } from '@pretag/shared/blob/http-store';
import { jpegBytes } from '../spool/frames.ts';
import { PASSWORD, SITE, USERNAME, freePort, startBlobServer } from './harness.ts';
import type { BlobServer } from './harness.ts';

let root: string;
let server: BlobServer;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pretag-http-store-'));
  server = await startBlobServer(root);
});
afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const key = (id: string) =>
  frameBlobKey({ site: SITE, camera: 'cam1', capturedAt: '2026-11-27T01:00:00Z', frameId: id });
const store = (over: Partial<ConstructorParameters<typeof HttpBlobStore>[0]> = {}) =>
  new HttpBlobStore({
    hubUrl: server.url,
    username: USERNAME,
    password: PASSWORD,
    maxTries: 2,
    retryDelayMs: 20,
    ...over,
  });

describe('HttpBlobStore', () => {
  it('writes once, reads back the same bytes, and treats a repeat of the same bytes as success', async () => {
    const s = store();
    const bytes = jpegBytes(10_000);
    expect(await s.upload(key('a1'), bytes)).toBe('written');
    expect(await s.upload(key('a1'), bytes)).toBe('exists-same');
    const back = await s.get(key('a1'));
    expect(
      createHash('sha256')
        .update(back ?? new Uint8Array())
        .digest('hex'),
    ).toBe(createHash('sha256').update(bytes).digest('hex'));
    const info = await s.head(key('a1'));
    expect(info).toMatchObject({ size: 10_000, contentType: 'image/jpeg' });
    expect(await s.exists(key('a1'))).toBe(true);
    expect(await s.delete(key('a1'))).toBe(true);
    expect(await s.delete(key('a1'))).toBe(false);
    expect(await s.get(key('a1'))).toBeUndefined();
    expect(await s.head(key('a1'))).toBeUndefined();
  });

  it('reports different bytes under an existing key as a conflict', async () => {
    const s = store();
    await s.put(key('c1'), jpegBytes(100));
    const err = await s.put(key('c1'), jpegBytes(100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpBlobError);
    expect(err).toMatchObject({ kind: 'conflict', status: 409, retryable: false });
  });

  it('says clearly when the hub refuses the credentials or the key', async () => {
    const bad = store({ password: 'wrong' });
    const e1 = await bad.put(key('x1'), jpegBytes(100)).catch((e: unknown) => e);
    expect(e1).toMatchObject({ kind: 'auth', status: 401 });
    expect((e1 as Error).message).toMatch(/refused the device credentials/);
    const other = frameBlobKey({
      site: 'site2',
      camera: 'cam1',
      capturedAt: '2026-11-27T00:00:00Z',
      frameId: 'x2',
    });
    const e2 = await store()
      .put(other, jpegBytes(100))
      .catch((e: unknown) => e);
    expect(e2).toMatchObject({ kind: 'forbidden', status: 403 });
  });

  it('refuses bad keys and out-of-scope keys before sending anything', async () => {
    const before = server.requests.PUT ?? 0;
    const s = store({ allowedPrefix: `frames/${SITE}/` });
    await expect(s.put('../etc/passwd', jpegBytes(10))).rejects.toBeInstanceOf(BlobKeyError);
    await expect(s.put('frames/site2/cam1/x.jpg', jpegBytes(10))).rejects.toBeInstanceOf(
      BlobScopeError,
    );
    expect(server.requests.PUT ?? 0).toBe(before);
  });

  it('reports an unreachable hub as retryable, after its bounded tries', async () => {
    const s = store({ hubUrl: `http://127.0.0.1:${await freePort()}` });
    const err = await s.put(key('u1'), jpegBytes(100)).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable', retryable: true });
    expect((err as Error).message).toMatch(/after up to 2 tries/);
  });

  it('says that listing is not part of the hub blob API', async () => {
    const listing = store().list('frames/');
    await expect(listing[Symbol.asyncIterator]().next()).rejects.toThrow(
      /list .* is not supported/,
    );
  });

  it('rejects unusable options with a clear message', () => {
    expect(() => store({ hubUrl: 'ftp://hub' })).toThrow(/hubUrl: must be an http\(s\) URL/);
    expect(() => store({ username: 'a:b' })).toThrow(/username: must not contain ":"/);
  });
});
