// Builds the agent's uplink from edge.yaml and the credentials file: the blob store (the hub's
// own HTTP store or Azure Blob), the MQTT identity (client id = user name, as the hub broker
// requires), stats from the agent's counters and remote overrides handed back to the agent.
// Addresses come from edge.yaml (the local file is the source of truth); secrets from the file.
import path from 'node:path';
import { CliError } from '@pretag/shared/cli/errors';
import { AzureBlobStore } from '@pretag/shared/blob/azure-store';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import type { Logger } from '@pretag/shared/log/logger';
import type { CameraCounters, ConfigPayload } from '@pretag/shared/mqtt/payloads';
import type { Spool } from '../spool/index.ts';
import { loadCredentials } from './credentials.ts';
import type { DeviceCredentials } from './credentials.ts';
import { Uplink } from './uplink.ts';
import type { UplinkCounters } from './uplink.ts';

export interface StartUplinkContext {
  config: () => EdgeConfig;
  spool: Spool;
  logger: Logger;
  /** Cumulative per-camera counters since the agent started (the stats topic gets deltas). */
  counters?: () => Record<string, CameraCounters>;
  /** Validated overrides from the device's config topic. */
  onRemoteConfig?: (config: ConfigPayload) => void;
  agentVersion?: string;
  /** Directory relative credentials paths are resolved against (edge.yaml's). */
  configDir?: string;
}

export interface RunningUplink {
  readonly uplink: Uplink;
  /** A frame entered the spool: send it now rather than at the next poll. */
  notify(): void;
  counters(): UplinkCounters;
  stop(): Promise<void>;
}

/** Pure: per-camera increase since `prev` (a restarted camera's counters start again at 0). */
export function counterDeltas(
  prev: Readonly<Record<string, CameraCounters>>,
  cur: Readonly<Record<string, CameraCounters>>,
): Record<string, CameraCounters> {
  const out: Record<string, CameraCounters> = {};
  for (const [id, c] of Object.entries(cur)) {
    const p = prev[id];
    const d = {} as CameraCounters;
    for (const k of Object.keys(c) as (keyof CameraCounters)[]) {
      const before = p?.[k] ?? 0;
      d[k] = c[k] >= before ? c[k] - before : c[k];
    }
    out[id] = d;
  }
  return out;
}

function splitToken(token: string): { username: string; password: string } {
  const i = token.indexOf(':');
  return { username: token.slice(0, i), password: token.slice(i + 1) };
}

/** The blob store edge.yaml names, with the credentials the file holds. */
export function blobStoreFor(
  config: EdgeConfig,
  creds: DeviceCredentials,
  credentialsFile: string,
): BlobStore {
  const b = config.hub.blob;
  try {
    if (b.hub) return new HttpBlobStore({ hubUrl: b.hub.url, ...splitToken(creds.apiToken) });
    const a = b.azure;
    if (a?.sas_url) return new AzureBlobStore({ containerSasUrl: a.sas_url, writeOnce: true });
    if (a?.connection_string)
      return new AzureBlobStore({
        connectionString: a.connection_string,
        container: a.container,
        createContainer: false,
        writeOnce: true,
      });
  } catch (err) {
    throw new CliError(`edge.yaml hub.blob: ${(err as Error).message}`);
  }
  throw new CliError(
    `edge.yaml hub.blob.azure: set sas_url or connection_string (${credentialsFile} carries no Azure credentials)`,
  );
}

export function startUplink(ctx: StartUplinkContext): RunningUplink {
  const config = ctx.config();
  const file = path.resolve(ctx.configDir ?? '.', config.hub.credentials);
  const { credentials: creds, warning } = loadCredentials(file);
  if (warning) ctx.logger.warn({ file }, warning);
  if (creds.site !== config.site || creds.device !== config.device)
    throw new CliError(
      `credentials file ${file} is for ${creds.device}@${creds.site}, but edge.yaml says device ${config.device} at site ${config.site}`,
    );
  const blobs = blobStoreFor(config, creds, file);
  let prevCounters: Record<string, CameraCounters> = {};
  const provider = ctx.counters;
  const uplink = new Uplink({
    site: config.site,
    device: config.device,
    agentVersion: ctx.agentVersion ?? '0.0.0',
    cameras: Object.keys(config.cameras),
    spool: ctx.spool,
    blobs,
    mqtt: {
      url: config.hub.mqtt,
      username: creds.mqtt.username,
      password: creds.mqtt.password,
      clientId: creds.mqtt.username,
    },
    prefix: config.hub.prefix,
    statsIntervalMs: config.hub.stats_interval_s * 1000,
    ...(provider && {
      countersProvider: () => {
        const cur = provider();
        const d = counterDeltas(prevCounters, cur);
        prevCounters = cur;
        return d;
      },
    }),
    ...(ctx.onRemoteConfig && { onRemoteConfig: ctx.onRemoteConfig }),
    log: ctx.logger,
  });
  uplink.start();
  ctx.logger.info(
    { mqtt: config.hub.mqtt, clientId: uplink.clientId, prefix: config.hub.prefix },
    'uplink started',
  );
  return {
    uplink,
    notify: () => uplink.notify(),
    counters: () => uplink.counters(),
    stop: async () => {
      await uplink.stop();
      ctx.logger.info({ ...uplink.counters() }, 'uplink stopped');
    },
  };
}
