// Turns an Authorization header into a principal. People present `Bearer <token>`; devices
// present `Bearer {device}@{site}:{password}` (a device user name always holds '@', and neither
// it nor a generated password holds ':', so the two forms cannot be confused).
import type { DeviceAuth } from './device-auth.ts';
import type { Principal } from './roles.ts';
import { findToken } from './static-tokens.ts';
import type { TokenEntry } from './tokens-file.ts';

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'missing' | 'malformed' | 'invalid'; message: string };

const BEARER = /^Bearer +(\S+)\s*$/i;

export async function authenticate(
  header: string | undefined,
  tokens: readonly TokenEntry[],
  devices: DeviceAuth,
): Promise<AuthOutcome> {
  if (header === undefined || header === '')
    return { ok: false, reason: 'missing', message: 'this route needs a bearer token' };
  const m = BEARER.exec(header);
  const cred = m?.[1];
  if (cred === undefined)
    return {
      ok: false,
      reason: 'malformed',
      message: 'the Authorization header must be "Bearer <token>"',
    };
  const colon = cred.indexOf(':');
  const user = colon > 0 ? cred.slice(0, colon) : '';
  if (user.includes('@')) {
    const principal = await devices.check(user, cred.slice(colon + 1));
    return principal
      ? { ok: true, principal }
      : { ok: false, reason: 'invalid', message: 'device credentials were not accepted' };
  }
  const principal = findToken(tokens, cred);
  return principal
    ? { ok: true, principal }
    : { ok: false, reason: 'invalid', message: 'the bearer token was not accepted' };
}
