// Device sign-in for the HTTP API: `Bearer {device}@{site}:{password}`, checked by the broker's
// DeviceRegistry (scrypt). A device PUTs a frame every second or so, and scrypt costs ~0.2 s of
// CPU, so good results are cached for a short while, keyed by a SHA-256 of the credential (the
// password itself is never kept). Concurrent checks of one credential share a single scrypt run.
// A revoke clears the device's entries at once (invalidate), and `stillValid` lets the hub
// re-check revocation cheaply on every cache hit, so a revoke made by another process counts too.
import { createHash } from 'node:crypto';
import type { VerifyResult } from '../broker/device-registry.ts';
import type { Principal } from './roles.ts';

export interface DeviceVerifier {
  verify(username: unknown, password: unknown): Promise<VerifyResult>;
}

export interface DeviceAuthOptions {
  /** How long a good check is reused. Default 60 s. */
  ttlMs?: number;
  /** Most cached credentials; the oldest go first. Default 10 000. */
  maxEntries?: number;
  /** Cheap re-check on a cache hit (e.g. the revoked_at column); false drops the entry. */
  stillValid?: (username: string) => boolean;
  now?: () => number;
}

type DevicePrincipal = Extract<Principal, { role: 'device' }>;

interface Entry {
  principal: DevicePrincipal;
  expiresAt: number;
}

export interface DeviceAuth {
  /** The device, or undefined when the credential is wrong, unknown or revoked. */
  check(username: string, password: string): Promise<DevicePrincipal | undefined>;
  /** Forget every cached sign-in of the device (call on revoke). */
  invalidate(site: string, device: string): void;
  cachedEntries(): number;
}

export function createDeviceAuth(
  registry: DeviceVerifier,
  options: DeviceAuthOptions = {},
): DeviceAuth {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<DevicePrincipal | undefined>>();
  // Bumped by invalidate, so a check that started before a revoke does not cache its result.
  let generation = 0;

  const keyOf = (u: string, p: string) =>
    createHash('sha256').update(u).update('\0').update(p).digest('base64url');

  const verify = async (username: string, password: string, key: string) => {
    const started = generation;
    const r = await registry.verify(username, password);
    if (!r.ok) return undefined;
    const principal: DevicePrincipal = {
      role: 'device',
      name: username,
      id: `device:${username}`,
      site: r.device.site,
      device: r.device.device,
    };
    if (started === generation) {
      cache.set(key, { principal, expiresAt: now() + ttlMs });
      while (cache.size > maxEntries) {
        const oldest = cache.keys().next().value;
        if (oldest === undefined) break;
        cache.delete(oldest);
      }
    }
    return principal;
  };

  return {
    async check(username, password) {
      const key = keyOf(username, password);
      const hit = cache.get(key);
      if (hit) {
        if (hit.expiresAt > now() && (options.stillValid?.(username) ?? true)) return hit.principal;
        cache.delete(key);
      }
      let p = inFlight.get(key);
      if (!p) {
        p = verify(username, password, key).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return p;
    },
    invalidate(site, device) {
      generation++;
      for (const [k, e] of cache)
        if (e.principal.site === site && e.principal.device === device) cache.delete(k);
    },
    cachedEntries: () => cache.size,
  };
}
