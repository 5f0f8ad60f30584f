// Lookup of people's bearer tokens by hash. Every entry is compared (no early exit) with
// timingSafeEqual, so the time taken says nothing about which entry, or how much of one, matched.
import { timingSafeEqual } from 'node:crypto';
import type { Principal } from './roles.ts';
import { hashToken } from './tokens-file.ts';
import type { TokenEntry } from './tokens-file.ts';

export const MAX_TOKEN_LENGTH = 512;

export function findToken(entries: readonly TokenEntry[], token: string): Principal | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  const h = hashToken(token);
  let found: TokenEntry | undefined;
  for (const e of entries) {
    const same = e.sha256.length === h.length && timingSafeEqual(e.sha256, h);
    if (same && found === undefined) found = e;
  }
  return found ? { role: found.role, name: found.name, id: `token:${found.name}` } : undefined;
}
