// MQTT user names for devices: `{device}@{site}`, e.g. `orin-07@dublin-plant-2`. Ids may contain
// '.', so `{site}.{device}` would be ambiguous ("a.b.c"); '@' is outside the id alphabet, so this
// form always splits one way, reads like an address, and needs no escaping in YAML, shells or
// HTTP Basic auth. The hub's own user name never contains '@', so the two can never collide.
import { idProblem } from '@pretag/shared/ids';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';

export function deviceUsername(ref: DeviceRef): string {
  const bad = idProblem(ref.site) ?? idProblem(ref.device);
  if (bad) throw new Error(`device ${ref.site}/${ref.device}: id ${bad}`);
  return `${ref.device}@${ref.site}`;
}

/** The device a user name names, or undefined when it is not a device user name. */
export function parseDeviceUsername(username: unknown): DeviceRef | undefined {
  if (typeof username !== 'string' || username.length > 129) return undefined;
  const at = username.indexOf('@');
  if (at < 0 || at !== username.lastIndexOf('@')) return undefined;
  const device = username.slice(0, at);
  const site = username.slice(at + 1);
  if (idProblem(device) || idProblem(site)) return undefined;
  return { site, device };
}

/**
 * Client ids a device may use: its user name, or its user name followed by '/' and a suffix.
 * Binding the client id to the account stops one device from taking over another's session
 * (MQTT disconnects the older client when a new one connects with the same id).
 */
export function deviceMayUseClientId(clientId: string, username: string): boolean {
  return clientId === username || clientId.startsWith(`${username}/`);
}
