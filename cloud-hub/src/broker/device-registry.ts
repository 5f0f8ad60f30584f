// Device MQTT credentials in SQLite. Only a scrypt hash is kept; the password is returned once
// by addDevice and never stored. The table lives beside whatever else the handle holds, so the
// hub can point this at its ledger database or give it a file of its own.
import Database from 'better-sqlite3';
import { idProblem } from '@pretag/shared/ids';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';
import {
  DEFAULT_SCRYPT,
  MAX_PASSWORD_LENGTH,
  generatePassword,
  hashPassword,
  sameParams,
  scryptParamsProblem,
  verifyPassword,
} from './password-hash.ts';
import type { PasswordHash, ScryptParams } from './password-hash.ts';
import { deviceUsername, parseDeviceUsername } from './usernames.ts';

/** Idempotent; the ledger's migrations may run this same statement instead. */
export const DEVICE_CREDENTIALS_DDL = `
CREATE TABLE IF NOT EXISTS device_credentials (
  username   TEXT PRIMARY KEY,
  site       TEXT NOT NULL,
  device     TEXT NOT NULL,
  kdf        TEXT NOT NULL CHECK (kdf = 'scrypt'),
  scrypt_n   INTEGER NOT NULL,
  scrypt_r   INTEGER NOT NULL,
  scrypt_p   INTEGER NOT NULL,
  salt       BLOB NOT NULL,
  hash       BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  UNIQUE (site, device)
) STRICT`;

export interface DeviceCredentialInfo extends DeviceRef {
  username: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  revokedAt: number | null;
  scrypt: { N: number; r: number; p: number };
}

export type AddDeviceResult =
  | { ok: true; username: string; password: string; device: DeviceCredentialInfo }
  | { ok: false; reason: string };

export type RevokeResult = { ok: true } | { ok: false; reason: string };

export type VerifyFailure = 'malformed' | 'unknown-user' | 'bad-password' | 'revoked';
export type VerifyResult = { ok: true; device: DeviceRef } | { ok: false; reason: VerifyFailure };

interface Row {
  username: string;
  site: string;
  device: string;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
  salt: Buffer;
  hash: Buffer;
  created_at: number;
  revoked_at: number | null;
}

export interface DeviceRegistryOptions {
  /** Cost for new hashes; existing rows keep theirs until re-hashed. */
  scrypt?: ScryptParams;
  now?: () => number;
}

function info(row: Row): DeviceCredentialInfo {
  return {
    site: row.site,
    device: row.device,
    username: row.username,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    scrypt: { N: row.scrypt_n, r: row.scrypt_r, p: row.scrypt_p },
  };
}

function storedHash(row: Row): PasswordHash {
  const params = { N: row.scrypt_n, r: row.scrypt_r, p: row.scrypt_p, keyLength: row.hash.length };
  return { params, salt: row.salt, hash: row.hash };
}

interface Statements {
  insert: Database.Statement<
    [string, string, string, number, number, number, Buffer, Buffer, number]
  >;
  byUsername: Database.Statement<[string], Row>;
  all: Database.Statement<[], Row>;
  revoke: Database.Statement<[number, string]>;
  rehash: Database.Statement<[number, number, number, Buffer, Buffer, string, Buffer]>;
}

function prepareAll(db: Database.Database): Statements {
  // Prepared once per registry.
  const prep = <P extends unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    insert: prep(
      `INSERT INTO device_credentials
         (username, site, device, kdf, scrypt_n, scrypt_r, scrypt_p, salt, hash, created_at)
       VALUES (?, ?, ?, 'scrypt', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    byUsername: prep('SELECT * FROM device_credentials WHERE username = ?'),
    all: prep('SELECT * FROM device_credentials ORDER BY site, device'),
    revoke: prep(
      'UPDATE device_credentials SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL',
    ),
    rehash: prep(
      `UPDATE device_credentials SET scrypt_n = ?, scrypt_r = ?, scrypt_p = ?, salt = ?, hash = ?
       WHERE username = ? AND hash = ?`,
    ),
  };
}

export class DeviceRegistry {
  readonly #sql: Statements;
  readonly #params: ScryptParams;
  readonly #now: () => number;
  /** Hashed against for unknown users, so a miss costs as much as a wrong password. */
  readonly #decoy: Promise<PasswordHash>;

  /** Uses `db` as it is (the hub's ledger, say), adding the device_credentials table. */
  constructor(db: Database.Database, opts: DeviceRegistryOptions = {}) {
    const params = opts.scrypt ?? DEFAULT_SCRYPT;
    const problem = scryptParamsProblem(params);
    if (problem) throw new Error(`device registry scrypt parameters: ${problem}`);
    this.#params = { ...params };
    this.#now = opts.now ?? Date.now;
    db.exec(DEVICE_CREDENTIALS_DDL);
    this.#sql = prepareAll(db);
    this.#decoy = hashPassword(generatePassword(), this.#params);
  }

  /** A registry with its own database file (created when missing). */
  static open(file: string, opts?: DeviceRegistryOptions): DeviceRegistry {
    const db = new Database(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000');
    return new DeviceRegistry(db, opts);
  }

  /** Registers a device and returns its password: the only time it exists in clear. */
  async addDevice(site: string, device: string): Promise<AddDeviceResult> {
    const siteBad = idProblem(site);
    if (siteBad) return { ok: false, reason: `site id "${site.slice(0, 80)}" ${siteBad}` };
    const deviceBad = idProblem(device);
    if (deviceBad) return { ok: false, reason: `device id "${device.slice(0, 80)}" ${deviceBad}` };
    const username = deviceUsername({ site, device });
    if (this.#row(username))
      return {
        ok: false,
        reason: `device ${username} already exists (revoked devices are not reused: pick a new device id)`,
      };
    const password = generatePassword();
    const h = await hashPassword(password, this.#params);
    const { N, r, p } = h.params;
    const inserted = this.#sql.insert.run(
      username,
      site,
      device,
      N,
      r,
      p,
      h.salt,
      h.hash,
      this.#now(),
    );
    // Another add may have won the race while we hashed.
    if (inserted.changes !== 1) return { ok: false, reason: `device ${username} already exists` };
    const row = this.#row(username) as Row;
    return { ok: true, username, password, device: info(row) };
  }

  /**
   * Checks a user name and password, running scrypt every time (nothing is cached, so a revoke
   * takes effect on the very next connect). Well-formed unknown users are hashed against a decoy
   * so that they take as long as known ones.
   */
  async verify(username: unknown, password: unknown): Promise<VerifyResult> {
    const pw = typeof password === 'string' ? password : undefined;
    const ref = parseDeviceUsername(username);
    // No scrypt for input that cannot be a device login: its shape is public, so answering
    // fast leaks nothing, and garbage connects cost no hashing.
    if (pw === undefined || pw.length === 0 || pw.length > MAX_PASSWORD_LENGTH || !ref)
      return { ok: false, reason: 'malformed' };
    const row = this.#row(username as string);
    if (!row) {
      await verifyPassword(pw, await this.#decoy);
      return { ok: false, reason: 'unknown-user' };
    }
    if (!(await verifyPassword(pw, storedHash(row)))) return { ok: false, reason: 'bad-password' };
    // Read again: the device may have been revoked while scrypt ran. Revocation is reported
    // only to a caller who knows the password.
    const current = this.#row(row.username);
    if (!current || current.revoked_at !== null) return { ok: false, reason: 'revoked' };
    await this.#upgrade(current, pw);
    return { ok: true, device: { site: row.site, device: row.device } };
  }

  revoke(site: string, device: string): RevokeResult {
    const ref = parseDeviceUsername(`${device}@${site}`);
    if (!ref) return { ok: false, reason: `no device ${device}@${site}`.slice(0, 200) };
    const username = deviceUsername(ref);
    const row = this.#row(username);
    if (!row) return { ok: false, reason: `no device ${username}` };
    if (row.revoked_at !== null)
      return { ok: false, reason: `device ${username} is already revoked` };
    this.#sql.revoke.run(this.#now(), username);
    return { ok: true };
  }

  list(): DeviceCredentialInfo[] {
    return this.#sql.all.all().map(info);
  }

  #row(username: string): Row | undefined {
    return this.#sql.byUsername.get(username);
  }

  /** Re-hash with the current cost after a good login, when the row was made with another. */
  async #upgrade(row: Row, password: string): Promise<void> {
    if (sameParams(storedHash(row).params, this.#params)) return;
    const h = await hashPassword(password, this.#params);
    const { N, r, p } = h.params;
    this.#sql.rehash.run(N, r, p, h.salt, h.hash, row.username, row.hash);
  }
}
