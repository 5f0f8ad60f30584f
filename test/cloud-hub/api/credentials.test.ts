// The tokens file and the device sign-in cache, without HTTP: clear errors for bad files, only
// hashes kept, and one scrypt run per credential while its cache entry lives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createDeviceAuth } from '../../../cloud-hub/src/auth/device-auth.ts';
import { findToken } from '../../../cloud-hub/src/auth/static-tokens.ts';
import { loadTokensFile, tokensFromDocument } from '../../../cloud-hub/src/auth/tokens-file.ts';
import { DeviceRegistry } from '../../../cloud-hub/src/broker/device-registry.ts';
import { createRateLimiter } from '../../../cloud-hub/src/api/rate-limit.ts';

const TOKEN = 'a-long-enough-operator-token-0123456789';

describe('tokens file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-tokens-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads YAML, keeps only SHA-256 hashes, and finds tokens by value', async () => {
    const file = path.join(dir, 'tokens.yaml');
    const reviewerHash = createHash('sha256')
      .update('reviewer-token-abcdefghijklmnopqrstuvwxyz')
      .digest('hex');
    writeFileSync(
      file,
      `tokens:\n  - { name: olga, role: operator, token: "${TOKEN}" }\n  - { name: rita, role: reviewer, sha256: ${reviewerHash} }\n`,
    );
    const entries = await loadTokensFile(file);
    expect(entries.map((e) => [e.name, e.role, e.sha256.toString('hex')])).toEqual([
      ['olga', 'operator', createHash('sha256').update(TOKEN).digest('hex')],
      ['rita', 'reviewer', reviewerHash],
    ]);
    expect(JSON.stringify(entries)).not.toContain(TOKEN);
    expect(findToken(entries, TOKEN)).toMatchObject({ role: 'operator', name: 'olga' });
    expect(findToken(entries, 'reviewer-token-abcdefghijklmnopqrstuvwxyz')).toMatchObject({
      role: 'reviewer',
    });
    expect(findToken(entries, `${TOKEN}x`)).toBeUndefined();
  });

  it.each([
    [
      { tokens: [{ name: 'a', role: 'operator', token: 'short' }] },
      /tokens\.0\.token: must be at least 32/,
    ],
    [{ tokens: [{ name: 'a', role: 'admin', token: TOKEN }] }, /tokens\.0\.role/],
    [{ tokens: [{ name: 'a', role: 'operator' }] }, /exactly one of sha256 or token/],
    [{ tokens: [{ name: 'a', role: 'device', token: TOKEN }] }, /tokens\.0\.role/],
    [
      {
        tokens: [
          { name: 'a', role: 'operator', token: TOKEN },
          { name: 'a', role: 'reviewer', token: `${TOKEN}2` },
        ],
      },
      /tokens\.1\.name: "a" is used twice/,
    ],
    [{ tokens: [{ name: 'a', role: 'operator', sha256: 'abc' }] }, /sha256: must be 64 hex digits/],
    [{ users: [] }, /tokens/],
  ])('refuses %j with a message naming the entry', (doc, message) => {
    expect(() => tokensFromDocument(doc, 'tokens.yaml')).toThrow(message);
  });

  it('names the file when it cannot be read or parsed', async () => {
    await expect(loadTokensFile(path.join(dir, 'missing.yaml'))).rejects.toThrow(
      /cannot read tokens file .*missing\.yaml/,
    );
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'tokens: [ { name: a\n');
    await expect(loadTokensFile(bad)).rejects.toThrow(/bad\.yaml: not valid YAML/);
  });
});

describe('device sign-in cache', () => {
  const FAST = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };
  let db: Database.Database;
  let registry: DeviceRegistry;
  let password = '';
  beforeAll(async () => {
    db = new Database(':memory:');
    registry = new DeviceRegistry(db, { scrypt: FAST });
    const r = await registry.addDevice('site-a', 'cam-box-1');
    if (!r.ok) throw new Error(r.reason);
    password = r.password;
  });
  afterAll(() => db.close());

  it('runs scrypt once for concurrent and repeated sign-ins, again after invalidate or expiry', async () => {
    let verifies = 0;
    const counting = {
      verify: (u: unknown, p: unknown) => {
        verifies++;
        return registry.verify(u, p);
      },
    };
    let clock = 0;
    const auth = createDeviceAuth(counting, { ttlMs: 1_000, now: () => clock });
    const all = await Promise.all(
      Array.from({ length: 5 }, () => auth.check('cam-box-1@site-a', password)),
    );
    expect(all.every((p) => p?.device === 'cam-box-1' && p.site === 'site-a')).toBe(true);
    expect(await auth.check('cam-box-1@site-a', password)).toBeDefined();
    expect(verifies).toBe(1);

    auth.invalidate('site-a', 'cam-box-1');
    expect(auth.cachedEntries()).toBe(0);
    await auth.check('cam-box-1@site-a', password);
    expect(verifies).toBe(2);

    clock += 1_001;
    await auth.check('cam-box-1@site-a', password);
    expect(verifies).toBe(3);

    // Wrong passwords are never cached as good.
    expect(await auth.check('cam-box-1@site-a', `${password}x`)).toBeUndefined();
    expect(await auth.check('cam-box-1@site-a', `${password}x`)).toBeUndefined();
    expect(verifies).toBe(5);
  });
});

describe('token bucket', () => {
  it('allows the burst, then refills at the stated rate (hand-timed clock)', () => {
    let t = 0;
    const rl = createRateLimiter({ perSecond: 2, burst: 3 }, () => t);
    expect([1, 2, 3, 4].map(() => rl.take('k').ok)).toEqual([true, true, true, false]);
    // Empty bucket at 2 tokens/s: one token after 0.5 s.
    expect(rl.take('k')).toEqual({ ok: false, retryAfterSeconds: 1 });
    t = 500;
    expect(rl.take('k').ok).toBe(true);
    expect(rl.take('k').ok).toBe(false);
    expect(rl.take('other').ok).toBe(true);
    expect(() => createRateLimiter({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0/);
  });
});
