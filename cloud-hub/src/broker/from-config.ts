// hub.yaml's `mqtt` section to broker options: reads the TLS files, resolving relative paths
// against the directory of hub.yaml. Returns undefined when the hub uses an external broker.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { BrokerOptions } from './broker.ts';

export type EmbeddedBrokerSettings = Pick<
  BrokerOptions,
  'host' | 'port' | 'tls' | 'maxPacketBytes' | 'prefix'
>;

async function readPem(what: string, file: string, baseDir: string): Promise<Buffer> {
  const full = path.resolve(baseDir, file);
  try {
    return await readFile(full);
  } catch (err) {
    throw new Error(`mqtt.embedded.tls.${what}: cannot read ${full}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export async function embeddedBrokerSettings(
  mqtt: HubConfig['mqtt'],
  baseDir: string,
): Promise<EmbeddedBrokerSettings | undefined> {
  const e = mqtt.embedded;
  if (!e) return undefined;
  const settings: EmbeddedBrokerSettings = {
    host: e.host,
    port: e.port,
    maxPacketBytes: e.max_packet_bytes,
    prefix: mqtt.prefix,
  };
  if (e.tls) {
    const [key, cert, ca] = await Promise.all([
      readPem('key', e.tls.key, baseDir),
      readPem('cert', e.tls.cert, baseDir),
      e.tls.ca ? readPem('ca', e.tls.ca, baseDir) : undefined,
    ]);
    settings.tls = { port: e.tls.port, key, cert, ...(ca ? { ca } : {}) };
  }
  return settings;
}
