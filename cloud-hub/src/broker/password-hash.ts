// Device passwords hashed with scrypt (node:crypto). Each hash records its own salt and cost
// parameters, so the cost can be raised later without breaking existing devices: old rows verify
// with the parameters they were made with and can be re-hashed on the next good login.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  /** Derived key length in bytes. */
  keyLength: number;
}

export interface PasswordHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/**
 * scrypt's interactive-login cost (N=2^14, r=8, p=1: 16 MiB, about 0.17 s on this machine's CPU).
 * Generated passwords hold 256 random bits, so stretching is not what protects them; the cost is
 * kept modest so a thousand devices reconnecting at once stay affordable. Raise it here: stored
 * rows keep their own parameters and are upgraded on their next good login.
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({
  N: 2 ** 14,
  r: 8,
  p: 1,
  keyLength: 32,
});
export const SALT_BYTES = 16;
/** Generated passwords carry 256 bits of randomness. */
export const PASSWORD_BYTES = 32;
/** Longer offered passwords are refused before any hashing. */
export const MAX_PASSWORD_LENGTH = 256;

/** Why scrypt parameters are unusable, or undefined when they are fine. */
export function scryptParamsProblem(p: ScryptParams): string | undefined {
  if (!Number.isSafeInteger(p.N) || p.N < 2 ** 10 || p.N > 2 ** 22 || (p.N & (p.N - 1)) !== 0)
    return `N must be a power of two from 2^10 to 2^22, got ${p.N}`;
  if (!Number.isSafeInteger(p.r) || p.r < 1 || p.r > 32) return `r must be 1..32, got ${p.r}`;
  if (!Number.isSafeInteger(p.p) || p.p < 1 || p.p > 16) return `p must be 1..16, got ${p.p}`;
  if (!Number.isSafeInteger(p.keyLength) || p.keyLength < 16 || p.keyLength > 64)
    return `keyLength must be 16..64 bytes, got ${p.keyLength}`;
  return undefined;
}

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; allow that plus slack instead of node's 32 MiB default.
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, p.keyLength, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A fresh random password, URL- and shell-safe (base64url, 43 characters). */
export function generatePassword(): string {
  return randomBytes(PASSWORD_BYTES).toString('base64url');
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PasswordHash> {
  const problem = scryptParamsProblem(params);
  if (problem) throw new Error(`scrypt parameters: ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  return { params: { ...params }, salt, hash: await derive(password, salt, params) };
}

/**
 * True when `password` matches. Always runs the full scrypt and compares with timingSafeEqual,
 * so the time taken says nothing about how much of the password was right.
 */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  if (scryptParamsProblem(stored.params) || stored.hash.length !== stored.params.keyLength)
    return false;
  const key = await derive(password, stored.salt, stored.params);
  return timingSafeEqual(key, stored.hash);
}

export function sameParams(a: ScryptParams, b: ScryptParams): boolean {
  return a.N === b.N && a.r === b.r && a.p === b.p && a.keyLength === b.keyLength;
}
