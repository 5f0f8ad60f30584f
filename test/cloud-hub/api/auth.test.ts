// Bearer tokens and roles over real HTTP: 401 without or with a wrong credential, 403 for the
// wrong role, device sign-ins that end when the device is revoked, and per-token rate limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameKey, makeJpeg, operator, reviewer, SITE, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

describe('roles', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${hub.base}${path}`, { headers });

  it('no token → 401 with a JSON error and a Bearer challenge', async () => {
    const res = await get('/v1/frames');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({
      error: 'unauthorized',
      message: expect.stringMatching(/bearer token/) as unknown,
    });
  });

  it('a wrong token, a wrong device password or a malformed header → 401', async () => {
    for (const authorization of [
      'Bearer op-not-a-real-token-000000000000000000000',
      `Bearer orin-07@${SITE}:wrong-password`,
      `Bearer nobody@${SITE}:whatever`,
      'Basic b2xnYTpzZWNyZXQ=',
      'Bearer',
    ]) {
      const res = await get('/v1/frames', { authorization });
      expect(res.status, authorization).toBe(401);
    }
  });

  it('a reviewer cannot call operator-only routes (403) but can call shared ones', async () => {
    for (const [method, path] of [
      ['GET', '/v1/jobs/dead'],
      ['POST', '/v1/jobs/1/requeue'],
      ['GET', '/v1/devices'],
    ] as const) {
      const res = await fetch(`${hub.base}${path}`, { method, headers: reviewer });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
    }
    expect((await get('/v1/frames', reviewer)).status).toBe(200);
    expect((await get('/v1/jobs/dead', operator)).status).toBe(200);
    expect((await get('/v1/devices', operator)).status).toBe(200);
  });

  it('a device may not use the people routes (403)', async () => {
    const res = await get('/v1/frames', { authorization: hub.devices.a.bearer });
    expect(res.status).toBe(403);
  });

  it('lists devices for operators without any secret in the answer', async () => {
    const res = await get('/v1/devices', operator);
    const text = await res.text();
    const body = JSON.parse(text) as { items: { username: string }[] };
    expect(body.items.map((d) => d.username).sort()).toEqual(
      ['orin-01@cork-1', `orin-07@${SITE}`, `orin-08@${SITE}`].sort(),
    );
    expect(text).not.toMatch(/hash|salt|password/i);
  });

  it('a revoked device is refused at once, even with its sign-in cached', async () => {
    const put = async (id: string) =>
      fetch(`${hub.base}/v1/blobs/${frameKey(SITE, 'bay-9', id)}`, {
        method: 'PUT',
        headers: { authorization: hub.devices.b.bearer, 'content-type': 'image/jpeg' },
        body: await makeJpeg(20),
      });
    expect((await put('f-before')).status).toBe(201);
    // Revoked in the registry only (as `pretag hub device revoke` in another process would).
    expect(hub.registry.revoke(SITE, 'orin-08')).toEqual({ ok: true });
    const after = await put('f-after');
    expect(after.status).toBe(401);
  });
});

describe('rate limits', () => {
  let hub: TestHub;
  beforeAll(async () => {
    // Three requests, then a refill so slow it never happens during the test.
    hub = await startHub({ limits: { rate: { perSecond: 0.001, burst: 3 } } });
  });
  afterAll(() => hub.close());

  it('answers 429 with Retry-After once a token has used its burst, per token', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${hub.base}/v1/frames`, { headers: reviewer });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await last?.json()).toMatchObject({ error: 'rate-limited' });
    // Another token has its own bucket.
    expect((await fetch(`${hub.base}/v1/frames`, { headers: operator })).status).toBe(200);
  });
});

describe('failed sign-ins', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ limits: { anonymousRate: { perSecond: 0.001, burst: 3 } } });
  });
  afterAll(() => hub.close());

  it('an address that keeps failing gets 429 before its credentials are checked', async () => {
    const bad = { authorization: `Bearer orin-07@${SITE}:guess` };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await fetch(`${hub.base}/v1/blobs/x.jpg`, { headers: bad })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Public probes are counted apart and still answer.
    expect((await fetch(`${hub.base}/healthz`)).status).toBe(200);
  });
});
