// AzureBlobStore against a real Azurite started by the test. Expected values come from the
// file itself (sha256/MD5 by node:crypto), from the SDK reading the blob directly, or by hand.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AzureBlobStoreOptions } from '../../../shared/src/blob/azure-store.ts';
import { AzureBlobError, AzureBlobStore } from '../../../shared/src/blob/azure-store.ts';
import { BlobScopeError } from '../../../shared/src/blob/remote.ts';
import { BlobKeyError, frameBlobKey } from '../../../shared/src/blob/keys.ts';
import type { BlobInfo } from '../../../shared/src/blob/store.ts';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startAzurite } from '../../helpers/azurite.ts';
import { needMedia } from '../../helpers/media.ts';

const media = needMedia('images/darknet-nogt/dog.jpg');
const started = await startAzurite();
const az = started.ok ? started.azurite : undefined;

afterAll(async () => {
  await az?.stop();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

let n = 0;
/** A fresh container name per test, so tests see only their own blobs. */
const freshContainer = () => `t${process.pid}-${++n}-${randomBytes(3).toString('hex')}`;

function storeFor(container: string, extra: Partial<AzureBlobStoreOptions> = {}): AzureBlobStore {
  return new AzureBlobStore({
    connectionString: az?.connectionString ?? '',
    container,
    ...extra,
  });
}

/** The SDK's own view of a container, to check the store's work independently. */
function adminContainer(container: string) {
  return BlobServiceClient.fromConnectionString(az?.connectionString ?? '').getContainerClient(
    container,
  );
}

async function sdkNames(container: string): Promise<string[]> {
  const names: string[] = [];
  const cc = adminContainer(container);
  if (!(await cc.exists())) return names;
  for await (const b of cc.listBlobsFlat()) names.push(b.name);
  return names;
}

async function keys(it: AsyncIterable<BlobInfo>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of it) out.push(b.key);
  return out;
}

function containerSas(container: string, permissions: string): string {
  const cred = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    cred,
  ).toString();
  return `${az?.blobEndpoint}/${container}?${sas}`;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const dogKey = frameBlobKey({
  site: 'dublin-plant-2',
  camera: 'dock-door-3',
  capturedAt: '2026-03-05T10:11:12Z',
  frameId: 'f-000123',
});

describe.skipIf(!az)(`AzureBlobStore on Azurite ${started.reason}`, () => {
  describe.skipIf(!media.ok)('a real JPEG', () => {
    it('round-trips the bytes exactly, as image/jpeg, with the MD5 the service stores', async () => {
      const jpeg = await readFile(media.paths[0] ?? '');
      const container = freshContainer();
      const store = storeFor(container);
      expect(dogKey).toBe('frames/dublin-plant-2/dock-door-3/2026/03/05/f-000123.jpg');
      expect(await store.exists(dogKey)).toBe(false);
      expect(await store.upload(dogKey, jpeg)).toBe('written');

      const back = await store.get(dogKey);
      expect(back).toBeDefined();
      expect(sha256(back ?? new Uint8Array())).toBe(
        '5a9522051c3cec2bbd2f6323fccba32e8fbf3ddcc2b3e2fd46b04c720bc6f866',
      );
      expect(await store.head(dogKey)).toMatchObject({
        key: dogKey,
        size: jpeg.length,
        contentType: 'image/jpeg',
      });
      // Read by the SDK directly: the service holds the type and the MD5 of the file's bytes.
      const props = await adminContainer(container).getBlobClient(dogKey).getProperties();
      expect(props.contentType).toBe('image/jpeg');
      expect(Buffer.from(props.contentMD5 ?? []).toString('base64')).toBe(md5b64(jpeg));
      expect(props.contentLength).toBe(jpeg.length);
    });
  });

  it('keeps an explicit content type and refuses a malformed one before sending', async () => {
    const container = freshContainer();
    const store = storeFor(container);
    await store.put('exports/batch-1.coco', Buffer.from('{}'), { contentType: 'application/json' });
    expect((await store.head('exports/batch-1.coco'))?.contentType).toBe('application/json');
    await store.put('exports/raw.bin', Buffer.from([1, 2, 3]));
    expect((await store.head('exports/raw.bin'))?.contentType).toBe('application/octet-stream');
    await expect(
      store.put('exports/x.txt', Buffer.from('x'), { contentType: 'text/plain\r\nX-Evil: 1' }),
    ).rejects.toThrow(/content type .* is not a plain "type\/subtype"/);
    expect(await sdkNames(container)).toEqual(['exports/batch-1.coco', 'exports/raw.bin']);
  });

  it('lists by prefix in key order, and a folder prefix does not match its siblings', async () => {
    const store = storeFor(freshContainer());
    const written = [
      'frames/s/cam-10/2026/01/02/b.jpg',
      'frames/s/cam-1/2026/01/02/b.jpg',
      'frames/s/cam-1/2026/01/01/z.jpg',
      'frames/s/cam-1/2026/01/02/a.jpg',
      'frames/t/cam-1/2026/01/01/a.jpg',
      'frames/s/cam-1/2025/12/31/y.jpg',
    ];
    for (const k of written) await store.put(k, Buffer.from(k));
    expect(await keys(store.list('frames/s/cam-1/'))).toEqual([
      'frames/s/cam-1/2025/12/31/y.jpg',
      'frames/s/cam-1/2026/01/01/z.jpg',
      'frames/s/cam-1/2026/01/02/a.jpg',
      'frames/s/cam-1/2026/01/02/b.jpg',
    ]);
    expect(await keys(store.list('frames/s/cam-1/2026/01/0'))).toEqual([
      'frames/s/cam-1/2026/01/01/z.jpg',
      'frames/s/cam-1/2026/01/02/a.jpg',
      'frames/s/cam-1/2026/01/02/b.jpg',
    ]);
    expect(await keys(store.list(''))).toHaveLength(written.length);
    expect(await keys(store.list('frames/nobody/'))).toEqual([]);
    const info = [];
    for await (const b of store.list('frames/t/')) info.push(b);
    expect(info).toEqual([
      expect.objectContaining({
        key: 'frames/t/cam-1/2026/01/01/a.jpg',
        size: 31,
        contentType: 'image/jpeg',
      }),
    ]);
  });

  it('makes a create-only re-put of the same bytes a success and different bytes a conflict', async () => {
    const container = freshContainer();
    const store = storeFor(container, { writeOnce: true });
    const key = 'frames/s/c/2026/01/01/f-1.jpg';
    const first = Buffer.from('first upload');
    expect(await store.upload(key, first)).toBe('written');
    expect(await store.upload(key, Buffer.from('first upload'))).toBe('exists-same');
    await expect(store.put(key, first)).resolves.toBeUndefined();

    const e = await rejection(store.put(key, Buffer.from('other bytes')));
    expect(e).toBeInstanceOf(AzureBlobError);
    expect(e).toMatchObject({ kind: 'conflict', retryable: false });
    expect(String(e)).toMatch(/a different blob already exists under this key/);
    // The original is untouched.
    expect(Buffer.from((await store.get(key)) ?? []).toString()).toBe('first upload');

    // Per call, on a store that otherwise overwrites.
    const plain = storeFor(container);
    await expect(plain.put(key, Buffer.from('x'), { ifNoneMatch: '*' })).rejects.toMatchObject({
      kind: 'conflict',
    });
    await plain.put(key, Buffer.from('replaced'));
    expect(Buffer.from((await plain.get(key)) ?? []).toString()).toBe('replaced');
  });

  it('refuses bytes damaged in transit, both ways, storing nothing', async () => {
    if (!az) return;
    // A real TCP proxy in front of Azurite that changes one byte of anything carrying the marker.
    const marker = Buffer.from('DAMAGE-ME');
    const damage = (chunk: Buffer) => {
      const at = chunk.indexOf(marker);
      if (at >= 0) chunk[at] = 'X'.charCodeAt(0);
      return chunk;
    };
    const proxy = net.createServer((client) => {
      const upstream = net.connect(az.port, '127.0.0.1');
      client.on('data', (c: Buffer) => upstream.write(damage(c)));
      upstream.on('data', (c: Buffer) => client.write(damage(c)));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const addr = proxy.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const container = freshContainer();
      await adminContainer(container).create();
      const store = new AzureBlobStore({
        connectionString: az.connectionString.replace(`:${az.port}/`, `:${port}/`),
        container,
      });
      await store.put('a/clean.jpg', Buffer.from('clean bytes pass'));
      const up = await rejection(store.put('a/b.jpg', Buffer.from('payload DAMAGE-ME payload')));
      expect(up).toMatchObject({ kind: 'integrity', status: 400, code: 'Md5Mismatch' });
      expect(String(up)).toMatch(/received different bytes than were sent/);
      expect(await sdkNames(container)).toEqual(['a/clean.jpg']);

      // Stored intact directly, damaged on the way down: the store notices on get.
      const body = Buffer.from('stored DAMAGE-ME intact');
      await adminContainer(container).getBlockBlobClient('a/down.jpg').upload(body, body.length);
      await expect(store.get('a/down.jpg')).rejects.toMatchObject({
        kind: 'integrity',
        message: expect.stringMatching(/do not match the stored MD5/) as unknown,
      });
    } finally {
      proxy.close();
    }
  });

  it('deletes if present and reports whether something was there', async () => {
    const store = storeFor(freshContainer());
    const key = 'frames/s/c/2026/01/01/gone.jpg';
    expect(await store.delete(key)).toBe(false);
    await store.put(key, Buffer.from('x'));
    expect(await store.exists(key)).toBe(true);
    expect(await store.delete(key)).toBe(true);
    expect(await store.delete(key)).toBe(false);
    expect(await store.exists(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.head(key)).toBeUndefined();
  });

  const trickKeys = [
    '../escape.jpg',
    'frames/../../etc/passwd',
    '/frames/s/c/abs.jpg',
    'frames//s/c.jpg',
    'frames/s/c/',
    'frames\\s\\c.jpg',
    'frames/%2e%2e/c.jpg',
    'frames/./c.jpg',
    'frames/.hidden/c.jpg',
    'frames/s/c\0.jpg',
    'frames/s/c?comp=list',
    'frames/s/c#frag',
    '',
  ];

  it('refuses path-trick keys in every operation without creating anything', async () => {
    const container = freshContainer();
    const store = storeFor(container);
    for (const key of trickKeys) {
      for (const op of [
        () => store.put(key, Buffer.from('x')),
        () => store.get(key),
        () => store.head(key),
        () => store.exists(key),
        () => store.delete(key),
      ]) {
        const e = await rejection(op());
        expect(e, `key ${JSON.stringify(key)}`).toBeInstanceOf(BlobKeyError);
        expect(String(e)).toMatch(/blob key/);
      }
    }
    await expect(keys(store.list('../'))).rejects.toBeInstanceOf(BlobKeyError);
    // Not even the container was created: no request was ever sent.
    expect(await adminContainer(container).exists()).toBe(false);
    expect(await sdkNames(container)).toEqual([]);
  });

  it('keeps a device-scoped store inside its own prefixes', async () => {
    const container = freshContainer();
    const hub = storeFor(container);
    await hub.put('frames/site-a/cam-10/2026/01/01/other.jpg', Buffer.from('cam-10'));
    await hub.put('frames/site-b/cam-1/2026/01/01/other.jpg', Buffer.from('site-b'));
    const edge = storeFor(container, {
      allowedPrefix: ['frames/site-a/cam-1', 'frames/site-a/cam-2/'],
    });
    await edge.put('frames/site-a/cam-1/2026/01/01/mine.jpg', Buffer.from('mine'));
    await edge.put('frames/site-a/cam-2/2026/01/01/mine.jpg', Buffer.from('mine too'));

    for (const key of [
      'frames/site-a/cam-10/2026/01/01/other.jpg', // a longer name that starts the same
      'frames/site-b/cam-1/2026/01/01/other.jpg',
      'frames/site-a/cam-1', // the prefix itself is not inside it
      'elsewhere.jpg',
    ]) {
      for (const op of [
        () => edge.put(key, Buffer.from('overwrite')),
        () => edge.get(key),
        () => edge.delete(key),
      ]) {
        const e = await rejection(op());
        expect(e, key).toBeInstanceOf(BlobScopeError);
        expect(String(e)).toMatch(/is outside this store's prefix "frames\/site-a\/cam-1\/"/);
      }
    }
    await expect(keys(edge.list('frames/site-a/'))).rejects.toBeInstanceOf(BlobScopeError);
    await expect(keys(edge.list(''))).rejects.toBeInstanceOf(BlobScopeError);
    // 'frames/site-a/cam-1' lists that folder only, not cam-10 beside it.
    expect(await keys(edge.list('frames/site-a/cam-1'))).toEqual([
      'frames/site-a/cam-1/2026/01/01/mine.jpg',
    ]);
    // Nothing outside the scope changed.
    expect(
      Buffer.from((await hub.get('frames/site-a/cam-10/2026/01/01/other.jpg')) ?? []).toString(),
    ).toBe('cam-10');
    expect(await sdkNames(container)).toEqual([
      'frames/site-a/cam-1/2026/01/01/mine.jpg',
      'frames/site-a/cam-10/2026/01/01/other.jpg',
      'frames/site-a/cam-2/2026/01/01/mine.jpg',
      'frames/site-b/cam-1/2026/01/01/other.jpg',
    ]);
  });

  it('uploads through a write/create-only container SAS and cannot read with it', async () => {
    const container = freshContainer();
    await adminContainer(container).create(); // a SAS cannot create containers; the hub does
    const url = containerSas(container, 'cw');
    const edge = new AzureBlobStore({
      containerSasUrl: url,
      allowedPrefix: 'frames/site-a/cam-1/',
      writeOnce: true,
    });
    expect(edge.container).toBe(container);
    expect(edge.endpoint).not.toContain('sig=');
    const key = 'frames/site-a/cam-1/2026/01/01/f-9.jpg';
    const bytes = randomBytes(5000);
    expect(await edge.upload(key, bytes)).toBe('written');
    // Read back with the account key: same bytes.
    const stored = await storeFor(container).get(key);
    expect(sha256(stored ?? new Uint8Array())).toBe(sha256(bytes));
    // A retry after a lost acknowledgement: present, but this SAS cannot read to compare.
    expect(await edge.upload(key, bytes)).toBe('exists-unverified');
    const e = await rejection(edge.get(key));
    expect(e).toMatchObject({ kind: 'forbidden', retryable: false });
    expect(String(e)).toMatch(/lack the permission/);
    expect(String(e)).not.toContain('sig=');
    await expect(keys(edge.list('frames/site-a/cam-1/'))).rejects.toMatchObject({
      kind: 'forbidden',
    });
  });

  it('says when a SAS is not accepted or names a missing container', async () => {
    const container = freshContainer();
    await adminContainer(container).create();
    const url = new URL(containerSas(container, 'cw'));
    const sig = url.searchParams.get('sig') ?? '';
    url.searchParams.set('sig', sig.slice(0, -4) + (sig.endsWith('AAA=') ? 'BBB=' : 'AAA='));
    const forged = new AzureBlobStore({ containerSasUrl: url.toString() });
    const e = await rejection(forged.put('a/b.jpg', Buffer.from('x')));
    expect(e).toMatchObject({ kind: 'auth', status: 403, retryable: false });
    expect(String(e)).toMatch(/authentication failed/);
    expect(String(e)).not.toContain(sig.slice(0, 10));

    const missing = new AzureBlobStore({
      containerSasUrl: containerSas('no-such-container', 'cw'),
    });
    await expect(missing.put('a/b.jpg', Buffer.from('x'))).rejects.toMatchObject({
      kind: 'container-missing',
      message: expect.stringMatching(/container "no-such-container" does not exist/) as unknown,
    });
    expect(await sdkNames('no-such-container')).toEqual([]);
  });

  it('creates its container on first use, unless told not to', async () => {
    const container = freshContainer();
    const store = storeFor(container);
    expect(await store.exists('a/b.jpg')).toBe(false);
    expect(await adminContainer(container).exists()).toBe(true);

    const other = freshContainer();
    const noCreate = storeFor(other, { createContainer: false });
    await expect(noCreate.put('a/b.jpg', Buffer.from('x'))).rejects.toMatchObject({
      kind: 'container-missing',
    });
    expect(await adminContainer(other).exists()).toBe(false);
  });

  it('reports a wrong account key as an authentication failure without echoing the key', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const store = new AzureBlobStore({
      connectionString: (az?.connectionString ?? '').replace(DEV_ACCOUNT_KEY, wrongKey),
      container: freshContainer(),
    });
    const e = await rejection(store.put('a/b.jpg', Buffer.from('x')));
    expect(e).toMatchObject({ kind: 'auth', retryable: false });
    expect(String(e)).not.toContain(wrongKey.slice(0, 12));
  });
});

describe('AzureBlobStore without a working service', () => {
  let sentinel: net.Server;
  let sentinelPort = 0;
  let connections = 0;

  beforeAll(async () => {
    // A real socket that counts connections and hangs up on each one.
    sentinel = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => sentinel.listen(0, '127.0.0.1', r));
    const addr = sentinel.address();
    sentinelPort = typeof addr === 'object' && addr ? addr.port : 0;
  });
  afterAll(async () => {
    await new Promise((r) => sentinel.close(r));
  });
  afterEach(() => {
    connections = 0;
  });

  const endpointString = (port: number) =>
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;

  it('refuses bad and out-of-scope keys before opening any connection', async () => {
    const store = new AzureBlobStore({
      connectionString: endpointString(sentinelPort),
      container: 'frames',
      allowedPrefix: 'frames/s/c/',
      maxTries: 1,
    });
    // Control: a valid key does reach the sentinel (and fails as unreachable).
    await expect(store.put('frames/s/c/2026/01/01/ok.jpg', Buffer.from('x'))).rejects.toMatchObject(
      {
        kind: 'unreachable',
      },
    );
    expect(connections).toBeGreaterThan(0);
    connections = 0;
    for (const key of ['../x.jpg', 'frames/s/c/../../d/x.jpg', 'frames/s/other/x.jpg', 'x.jpg'])
      await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(BlobKeyError);
    expect(connections).toBe(0);
  });

  it('gives up on a stopped Azurite after its bounded retries with an "unreachable" error', async (ctx) => {
    const second = await startAzurite();
    if (!second.ok) return ctx.skip(second.reason);
    const { connectionString, port } = second.azurite;
    const store = new AzureBlobStore({
      connectionString,
      container: 'frames',
      maxTries: 3,
      retryDelayMs: 20,
    });
    await store.put('a/b.jpg', Buffer.from('while up'));
    await second.azurite.stop();
    const e = await rejection(store.put('a/c.jpg', Buffer.from('while down')));
    expect(e).toBeInstanceOf(AzureBlobError);
    expect(e).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED', retryable: true });
    expect(String(e)).toContain(
      `storage unreachable at http://127.0.0.1:${port}/${DEV_ACCOUNT}/frames`,
    );
    expect(String(e)).toMatch(/after 3 tries/);
    expect(String(e)).not.toContain(DEV_ACCOUNT_KEY.slice(0, 12));
    await expect(store.get('a/b.jpg')).rejects.toMatchObject({ kind: 'unreachable' });
  });

  it('stops waiting on a server that accepts but never answers', async () => {
    const silent = net.createServer(() => {
      /* accept and say nothing */
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const store = new AzureBlobStore({
        connectionString: endpointString(port),
        container: 'frames',
        operationTimeoutMs: 300,
      });
      await expect(store.put('a/b.jpg', Buffer.from('x'))).rejects.toMatchObject({
        kind: 'timeout',
        retryable: true,
        message: expect.stringMatching(/no answer from .* within 300 ms/) as unknown,
      });
      // A caller shutting down gives up at once, and is told so.
      const stop = new AbortController();
      const pending = store.put('a/c.jpg', Buffer.from('x'), { abortSignal: stop.signal });
      stop.abort();
      await expect(pending).rejects.toMatchObject({
        kind: 'aborted',
        message: expect.stringMatching(/aborted by the caller/) as unknown,
      });
    } finally {
      silent.close();
      // Close the sockets the SDK left open, so close() completes.
      (silent as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });

  it('rejects unusable options with a message naming the option', () => {
    const cs = endpointString(1);
    expect(() => new AzureBlobStore({ connectionString: cs, container: 'Bad_Name' })).toThrow(
      /container: must be 3-63 lowercase letters/,
    );
    expect(
      () => new AzureBlobStore({ containerSasUrl: 'http://127.0.0.1:1/devstoreaccount1/frames' }),
    ).toThrow(/has no SAS token/);
    expect(() => new AzureBlobStore({ containerSasUrl: 'ftp://x/y?sig=1' })).toThrow(
      /containerSasUrl: must be an http\(s\) URL/,
    );
    expect(
      () =>
        new AzureBlobStore({ connectionString: cs, container: 'frames', allowedPrefix: '../x' }),
    ).toThrow(/allowedPrefix "..\/x" has a ".." segment/);
    expect(
      () =>
        new AzureBlobStore({ connectionString: 'not a connection string', container: 'frames' }),
    ).toThrow(/connectionString is not usable/);
    expect(
      () => new AzureBlobStore({ connectionString: cs, container: 'frames', maxTries: 0 }),
    ).toThrow(/maxTries/);
  });
});
