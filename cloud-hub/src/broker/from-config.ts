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
    // Read all three and report every unreadable file, in a fixed order: an installer fixing
    // paths should not have to restart once per file, and the message must not depend on which
    // read fails first.
    const reads = await Promise.allSettled([
      readPem('key', e.tls.key, baseDir),
      readPem('cert', e.tls.cert, baseDir),
      e.tls.ca ? readPem('ca', e.tls.ca, baseDir) : Promise.resolve(undefined),
    ]);
    const failed = reads.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length > 0) {
      throw new Error(failed.map((err) => err.message).join('\n'), { cause: failed[0] });
    }
    const [key, cert, ca] = reads.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    settings.tls = { port: e.tls.port, key: key!, cert: cert!, ...(ca ? { ca } : {}) };
  }
  return settings;
}
