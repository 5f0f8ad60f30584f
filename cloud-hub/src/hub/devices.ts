// `pretag hub device add|list|revoke`: device credentials in the hub's ledger database, managed
// from another process than the running hub. A revoke takes effect at the device's next MQTT
// connect (the broker checks every connect) and at its next API request (the API checks the
// revocation per request; its sign-in cache holds for at most 60 s otherwise). A session already
// connected to a running hub's broker stays up until it reconnects.
import { hostname, userInfo } from 'node:os';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { CliError } from '@pretag/shared/cli/errors';
import { DeviceRegistry } from '../broker/device-registry.ts';
import type { DeviceCredentialInfo } from '../broker/device-registry.ts';
import { openLedger } from '../ledger/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { auditLogFor } from '../audit/log.ts';
import { deviceBundle } from './bundle.ts';
import type { DeviceBundle } from './bundle.ts';
import { hubPaths } from './paths.ts';
import { apiBaseUrl, deviceMqttUrl } from './urls.ts';

async function withRegistry<T>(
  config: HubConfig,
  configFile: string,
  fn: (registry: DeviceRegistry, ledger: Ledger) => Promise<T> | T,
): Promise<T> {
  const ledger = openLedger(hubPaths(config, configFile).dbFile);
  try {
    return await fn(new DeviceRegistry(ledger.db), ledger);
  } finally {
    ledger.close();
  }
}

/** The local user running a `pretag hub device` command, for the audit log. */
function cliActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function auditDevice(
  ledger: Ledger,
  action: 'device.add' | 'device.revoke',
  site: string,
  device: string,
  username: string,
): void {
  auditLogFor(ledger.db).record({
    actor: cliActor(),
    role: 'cli',
    action,
    target: `device:${site}/${device}`,
    diff: { username, status: action === 'device.add' ? 'active' : 'revoked' },
    address: hostname(),
  });
}

export async function addDevice(
  config: HubConfig,
  configFile: string,
  site: string,
  device: string,
): Promise<DeviceBundle> {
  const r = await withRegistry(config, configFile, async (reg, ledger) => {
    const out = await reg.addDevice(site, device);
    if (out.ok) auditDevice(ledger, 'device.add', site, device, out.username);
    return out;
  });
  if (!r.ok) throw new CliError(r.reason);
  const host = hostname();
  return deviceBundle({
    site,
    device,
    username: r.username,
    password: r.password,
    mqttUrl: deviceMqttUrl(config, host),
    apiBaseUrl: config.blob.hub ? apiBaseUrl(config, host) : undefined,
    prefix: config.mqtt.prefix,
  });
}

export function listDevices(
  config: HubConfig,
  configFile: string,
): Promise<DeviceCredentialInfo[]> {
  return withRegistry(config, configFile, (reg) => reg.list());
}

export async function revokeDevice(
  config: HubConfig,
  configFile: string,
  site: string,
  device: string,
): Promise<void> {
  const r = await withRegistry(config, configFile, (reg, ledger) => {
    const out = reg.revoke(site, device);
    if (out.ok) auditDevice(ledger, 'device.revoke', site, device, `${device}@${site}`);
    return out;
  });
  if (!r.ok) throw new CliError(r.reason);
}

/** `device list` as a table: no secrets (the registry holds only hashes anyway). */
export function deviceTable(devices: readonly DeviceCredentialInfo[]): string {
  const rows = [
    ['SITE', 'DEVICE', 'USERNAME', 'CREATED', 'STATUS'],
    ...devices.map((d) => [
      d.site,
      d.device,
      d.username,
      new Date(d.createdAt).toISOString(),
      d.revokedAt === null ? 'active' : `revoked ${new Date(d.revokedAt).toISOString()}`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `device list --json`: public fields only. */
export function deviceJson(devices: readonly DeviceCredentialInfo[]): object[] {
  return devices.map((d) => ({
    site: d.site,
    device: d.device,
    username: d.username,
    createdAt: new Date(d.createdAt).toISOString(),
    revokedAt: d.revokedAt === null ? null : new Date(d.revokedAt).toISOString(),
  }));
}
