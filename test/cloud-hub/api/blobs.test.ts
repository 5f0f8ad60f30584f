// The hub's HTTP blob store, over real HTTP: devices write only their own site's cameras, keys
// with path tricks never reach the disk, and puts are size-bounded, MD5-checked and idempotent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  filesUnder,
  frameKey,
  makeJpeg,
  md5Base64,
  operator,
  OTHER_SITE,
  rawRequest,
  reviewer,
  sha256,
  SITE,
  startHub,
} from './harness.ts';
import type { TestHub } from './harness.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startHub({ limits: { blobBytes: 64 * 1024 } });
});
afterAll(() => hub.close());

const put = (key: string, auth: string, body: Buffer, headers: Record<string, string> = {}) =>
  fetch(`${hub.base}/v1/blobs/${key}`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'image/jpeg', ...headers },
    body,
  });

describe('device PUT and GET back', () => {
  it('stores a real JPEG that operators, reviewers and the owning device read back byte for byte', async () => {
    const jpeg = await makeJpeg(1);
    const key = frameKey(SITE, 'dock-door-3', 'f-0001');
    const res = await put(key, hub.devices.a.bearer, jpeg, { 'content-md5': md5Base64(jpeg) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ key, bytes: jpeg.length, created: true });

    for (const headers of [operator, reviewer, { authorization: hub.devices.a.bearer }]) {
      const got = await fetch(`${hub.base}/v1/blobs/${key}`, { headers });
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/jpeg');
      expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(jpeg));
    }
    const head = await fetch(`${hub.base}/v1/blobs/${key}`, { method: 'HEAD', headers: operator });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(jpeg.length);
    // The camera is now recorded as this device's.
    const cams = (await (
      await fetch(`${hub.base}/v1/cameras?site=${SITE}`, { headers: operator })
    ).json()) as { items: { camera: string; device: string }[] };
    expect(cams.items).toContainEqual(
      expect.objectContaining({ camera: 'dock-door-3', device: 'orin-07' }),
    );
  });

  it('answers 404 for a key that holds nothing', async () => {
    const res = await fetch(`${hub.base}/v1/blobs/${frameKey(SITE, 'dock-door-3', 'nope')}`, {
      headers: operator,
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not-found' });
  });
});

describe('device prefixes', () => {
  it('refuses a write under another site with 403 and writes nothing', async () => {
    const before = filesUnder(hub.blobRoot);
    const res = await put(
      frameKey(OTHER_SITE, 'gate-1', 'f-x1'),
      hub.devices.a.bearer,
      await makeJpeg(2),
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden' });
    expect(filesUnder(hub.blobRoot)).toEqual(before);
  });

  it("refuses a write to a camera another device owns, and reads of that device's frames", async () => {
    const mine = frameKey(SITE, 'yard-1', 'f-b1');
    expect((await put(mine, hub.devices.b.bearer, await makeJpeg(3))).status).toBe(201);
    const before = filesUnder(hub.blobRoot);
    const theirs = frameKey(SITE, 'yard-1', 'f-a1');
    const res = await put(theirs, hub.devices.a.bearer, await makeJpeg(4));
    expect(res.status).toBe(403);
    expect(filesUnder(hub.blobRoot)).toEqual(before);
    expect(filesUnder(hub.blobRoot)).not.toContain(theirs);
    const read = await fetch(`${hub.base}/v1/blobs/${mine}`, {
      headers: { authorization: hub.devices.a.bearer },
    });
    expect(read.status).toBe(403);
  });

  it('refuses keys that are not frame keys (400) and non-JPEG bodies (400)', async () => {
    const notFrame = await put(
      `frames/${SITE}/dock-door-3/readme.txt`,
      hub.devices.a.bearer,
      await makeJpeg(5),
    );
    expect(notFrame.status).toBe(400);
    const text = await put(
      frameKey(SITE, 'dock-door-3', 'f-text'),
      hub.devices.a.bearer,
      Buffer.from('hello'),
    );
    expect(text.status).toBe(400);
    expect(((await text.json()) as { message: string }).message).toMatch(/not a JPEG/);
  });

  it('does not let people write blobs', async () => {
    const res = await put(
      frameKey(SITE, 'dock-door-3', 'f-op'),
      operator.authorization,
      await makeJpeg(6),
    );
    expect(res.status).toBe(403);
  });
});

describe('path tricks', () => {
  const base = `frames/${SITE}/dock-door-3/2026/11/27`;
  const tricks: [string, string][] = [
    ['dot-dot segments', `/v1/blobs/${base}/../../../../../../../../tmp/pwned.jpg`],
    [
      'dot-dot to a sibling site',
      `/v1/blobs/frames/${SITE}/../${OTHER_SITE}/gate-1/2026/11/27/f1.jpg`,
    ],
    ['encoded slashes', `/v1/blobs/frames%2F${SITE}%2Fdock-door-3%2F2026%2F11%2F27%2Ff-enc.jpg`],
    ['encoded dot-dot', `/v1/blobs/${base}/%2e%2e/%2e%2e/f-enc2.jpg`],
    ['encoded backslash', `/v1/blobs/${base}%5C..%5Cf-enc3.jpg`],
    ['backslashes', `/v1/blobs/frames\\${SITE}\\dock-door-3\\2026\\11\\27\\f-bs.jpg`],
    ['double slash', `/v1/blobs/frames//${SITE}/dock-door-3/2026/11/27/f-dbl.jpg`],
    ['absolute path', '/v1/blobs//etc/pretag-pwned.jpg'],
    ['dot segment', `/v1/blobs/frames/${SITE}/./dock-door-3/2026/11/27/f-dot.jpg`],
    ['hidden file name', `/v1/blobs/${base}/.f-hidden.jpg`],
    ['trailing slash', `/v1/blobs/${base}/`],
  ];

  it.each(tricks)('%s → 400, nothing written anywhere', async (_name, rawPath) => {
    const before = filesUnder(hub.dir);
    const jpeg = await makeJpeg(7);
    const res = await rawRequest(
      hub.port,
      'PUT',
      rawPath,
      { authorization: hub.devices.a.bearer, 'content-type': 'image/jpeg' },
      jpeg,
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'bad-request' });
    // Nothing appeared in the test's directory (blob root included), apart from the ledger's
    // own journal files.
    const after = filesUnder(hub.dir).filter((f) => !f.startsWith('ledger/'));
    expect(after).toEqual(before.filter((f) => !f.startsWith('ledger/')));
  });

  it('reads with path tricks are refused the same way', async () => {
    const res = await rawRequest(
      hub.port,
      'GET',
      `/v1/blobs/${base}/../../../../../../etc/passwd`,
      operator,
    );
    expect(res.status).toBe(400);
  });
});

describe('size, integrity and idempotence', () => {
  it('refuses a body over the limit with 413', async () => {
    // A JPEG header followed by filler: 100 KiB against a 64 KiB limit.
    const big = Buffer.alloc(100 * 1024, 0x55);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const before = filesUnder(hub.blobRoot);
    const res = await put(frameKey(SITE, 'dock-door-3', 'f-big'), hub.devices.a.bearer, big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload-too-large' });
    expect(filesUnder(hub.blobRoot)).toEqual(before);
  });

  it('refuses a body whose Content-MD5 does not match with 400', async () => {
    const jpeg = await makeJpeg(8);
    const key = frameKey(SITE, 'dock-door-3', 'f-md5');
    const wrong = md5Base64(Buffer.concat([jpeg, Buffer.from([0])]));
    const res = await put(key, hub.devices.a.bearer, jpeg, { 'content-md5': wrong });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/Content-MD5/);
    expect(filesUnder(hub.blobRoot)).not.toContain(key);
    const garbage = await put(key, hub.devices.a.bearer, jpeg, { 'content-md5': 'not-base64!' });
    expect(garbage.status).toBe(400);
  });

  it('a repeated PUT of the same bytes is 200, different bytes under If-None-Match: * is 409', async () => {
    const first = await makeJpeg(9);
    const key = frameKey(SITE, 'dock-door-3', 'f-idem');
    const createOnly = { 'if-none-match': '*' };
    expect((await put(key, hub.devices.a.bearer, first, createOnly)).status).toBe(201);
    const again = await put(key, hub.devices.a.bearer, first, createOnly);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false });
    const other = await put(key, hub.devices.a.bearer, await makeJpeg(10), createOnly);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: 'conflict' });
    const stored = await hub.store.get(key);
    expect(stored && sha256(stored)).toBe(sha256(first));
  });

  it('two different create-only PUTs of one key at once: one 201, the other 409', async () => {
    const key = frameKey(SITE, 'dock-door-3', 'f-race');
    const bodies = [await makeJpeg(11), await makeJpeg(12)];
    const statuses = await Promise.all(
      bodies.map((b) =>
        put(key, hub.devices.a.bearer, b, { 'if-none-match': '*' }).then((r) => r.status),
      ),
    );
    expect([...statuses].sort()).toEqual([201, 409]);
    const stored = await hub.store.get(key);
    const winner = bodies[statuses.indexOf(201)];
    expect(stored && sha256(stored)).toBe(winner && sha256(winner));
  });

  it('without If-None-Match, different content replaces the blob (201)', async () => {
    const key = frameKey(SITE, 'dock-door-3', 'f-replace');
    expect((await put(key, hub.devices.a.bearer, await makeJpeg(13))).status).toBe(201);
    const second = await makeJpeg(14);
    expect((await put(key, hub.devices.a.bearer, second)).status).toBe(201);
    const stored = await hub.store.get(key);
    expect(stored && sha256(stored)).toBe(sha256(second));
  });
});
