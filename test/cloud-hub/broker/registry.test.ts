import { scryptSync } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  DeviceRegistry,
  parseDeviceUsername,
} from '../../../cloud-hub/src/broker/index.ts';
import { tempDir } from './harness.ts';

// Cheap parameters keep these tests quick; the broker tests use the defaults.
const FAST = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'credentials.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface StoredRow {
  username: string;
  salt: Buffer;
  hash: Buffer;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
  revoked_at: number | null;
}

function rows(): StoredRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], StoredRow>('SELECT * FROM device_credentials').all();
  } finally {
    db.close();
  }
}

describe('device registry', () => {
  it('returns a strong password once and stores only a salted scrypt hash of it', async () => {
    const reg = DeviceRegistry.open(file, { scrypt: FAST, now: () => 1_700_000_000_000 });
    const a = await reg.addDevice('dublin-plant-2', 'orin-07');
    const b = await reg.addDevice('dublin-plant-2', 'orin-08');
    if (!a.ok || !b.ok) throw new Error('add failed');
    expect(a.username).toBe('orin-07@dublin-plant-2');
    // 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-].
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.password).not.toBe(b.password);

    const [row] = rows().filter((r) => r.username === a.username);
    if (!row) throw new Error('no row');
    // Recompute the hash with node's scrypt directly from the stored salt and parameters.
    const expected = scryptSync(a.password, row.salt, 32, { N: row.scrypt_n, r: 8, p: 1 });
    expect(row.hash.equals(expected)).toBe(true);
    expect([row.scrypt_n, row.scrypt_r, row.scrypt_p]).toEqual([1024, 8, 1]);
    expect(row.salt.length).toBe(16);
    // Per-device salt: two devices never share one.
    const salts = rows().map((r) => r.salt.toString('hex'));
    expect(new Set(salts).size).toBe(2);
    // The password is nowhere in the database file, in any encoding.
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from(a.password))).toBe(false);
    expect(bytes.includes(Buffer.from(a.password, 'base64url'))).toBe(false);
    expect(reg.list()).toEqual([
      expect.objectContaining({
        site: 'dublin-plant-2',
        device: 'orin-07',
        createdAt: 1_700_000_000_000,
        revokedAt: null,
      }),
      expect.objectContaining({ device: 'orin-08' }),
    ]);
  });

  it('verifies the right password and names what is wrong otherwise', async () => {
    const reg = DeviceRegistry.open(file, { scrypt: FAST });
    const a = await reg.addDevice('site-1', 'cam-box');
    if (!a.ok) throw new Error(a.reason);
    expect(await reg.verify(a.username, a.password)).toEqual({
      ok: true,
      device: { site: 'site-1', device: 'cam-box' },
    });
    const flipped = (a.password[0] === 'A' ? 'B' : 'A') + a.password.slice(1);
    expect(await reg.verify(a.username, flipped)).toEqual({ ok: false, reason: 'bad-password' });
    expect(await reg.verify('nobody@site-1', a.password)).toEqual({
      ok: false,
      reason: 'unknown-user',
    });
    for (const [user, pw] of [
      ['site-1.cam-box', a.password],
      [a.username, ''],
      [a.username, undefined],
      [undefined, a.password],
      [a.username, 'x'.repeat(10_000)],
      ['a@b@c', a.password],
    ] as const)
      expect(await reg.verify(user, pw)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a revoked device on the next check, and keeps it listed as revoked', async () => {
    let now = 1_000;
    const reg = DeviceRegistry.open(file, { scrypt: FAST, now: () => now });
    const a = await reg.addDevice('site-1', 'cam-box');
    if (!a.ok) throw new Error(a.reason);
    now = 5_000;
    expect(reg.revoke('site-1', 'cam-box')).toEqual({ ok: true });
    expect(await reg.verify(a.username, a.password)).toEqual({ ok: false, reason: 'revoked' });
    expect(reg.revoke('site-1', 'cam-box')).toEqual({
      ok: false,
      reason: 'device cam-box@site-1 is already revoked',
    });
    expect(reg.revoke('site-1', 'ghost')).toEqual({ ok: false, reason: 'no device ghost@site-1' });
    expect(reg.list()).toEqual([expect.objectContaining({ device: 'cam-box', revokedAt: 5_000 })]);
    // A revoked id is not handed out again.
    const again = await reg.addDevice('site-1', 'cam-box');
    expect(again.ok).toBe(false);
    expect(!again.ok && again.reason).toContain('already exists');
  });

  it('rejects ids that cannot appear in topics, with the reason', async () => {
    const reg = DeviceRegistry.open(file, { scrypt: FAST });
    const bad = await reg.addDevice('site/1', 'cam');
    expect(!bad.ok && bad.reason).toBe(`site id "site/1" contains '/', '+', '#' or NUL`);
    const bad2 = await reg.addDevice('site-1', 'cam#');
    expect(!bad2.ok && bad2.reason).toBe(`device id "cam#" contains '/', '+', '#' or NUL`);
    expect(reg.list()).toEqual([]);
  });

  it('survives reopening and upgrades an old hash to the current cost on a good login', async () => {
    const old = DeviceRegistry.open(file, { scrypt: FAST });
    const a = await old.addDevice('site-1', 'cam-box');
    if (!a.ok) throw new Error(a.reason);
    const reg = DeviceRegistry.open(file); // default cost
    expect((await reg.verify(a.username, 'wrong-password')).ok).toBe(false);
    expect(rows()[0]?.scrypt_n).toBe(1024); // a failed login changes nothing
    expect((await reg.verify(a.username, a.password)).ok).toBe(true);
    const [row] = rows();
    expect(row?.scrypt_n).toBe(DEFAULT_SCRYPT.N);
    expect((await reg.verify(a.username, a.password)).ok).toBe(true);
  });

  it('shares a database handle with other tables without touching them', async () => {
    const db = new Database(path.join(dir, 'ledger.db'));
    db.exec("CREATE TABLE devices (site TEXT, device TEXT); INSERT INTO devices VALUES ('s', 'd')");
    const reg = new DeviceRegistry(db, { scrypt: FAST });
    expect((await reg.addDevice('s', 'd')).ok).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM devices').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('device user names', () => {
  it('split one way only, even when ids contain dots', () => {
    expect(parseDeviceUsername('orin.07@plant.2')).toEqual({ site: 'plant.2', device: 'orin.07' });
    expect(parseDeviceUsername('orin-07')).toBeUndefined();
    expect(parseDeviceUsername('a@b@c')).toBeUndefined();
    expect(parseDeviceUsername('@site')).toBeUndefined();
    expect(parseDeviceUsername('dev@')).toBeUndefined();
    expect(parseDeviceUsername('dev@si+te')).toBeUndefined();
    expect(parseDeviceUsername(42)).toBeUndefined();
  });
});
