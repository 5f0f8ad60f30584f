// A real aedes on a free loopback port with a real device registry in a temporary SQLite file,
// and real mqtt.js clients.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { createLogger } from '../../../shared/src/log/logger.ts';
import { DeviceRegistry, startBroker } from '../../../cloud-hub/src/broker/index.ts';
import type { BrokerOptions, RunningBroker } from '../../../cloud-hub/src/broker/index.ts';

export const PREFIX = 'pretag/v1';
export const HUB = { username: 'pretag-hub', password: 'hub-secret-0123456789abcdef' };
export const silent = createLogger({ name: 'broker-test', level: 'silent' });
/** For vi.waitFor: its 1 s default is short for a delivery on a loaded 2-core machine. */
export const SOON = { timeout: 20_000, interval: 20 };

export interface Harness {
  dir: string;
  registry: DeviceRegistry;
  broker: RunningBroker;
  url: string;
  stop(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'pretag-broker-'));
}

export async function startHarness(over: Partial<BrokerOptions> = {}): Promise<Harness> {
  const dir = tempDir();
  const registry = DeviceRegistry.open(path.join(dir, 'credentials.db'));
  const broker = await startBroker({
    port: 0,
    host: '127.0.0.1',
    maxPacketBytes: 256 * 1024,
    registry,
    prefix: PREFIX,
    hubCredentials: HUB,
    logger: silent,
    ...over,
  });
  return {
    dir,
    registry,
    broker,
    url: `mqtt://127.0.0.1:${broker.port}`,
    async stop() {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Connects without retrying, so a refusal surfaces as a rejected promise. */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clientId: opts.username,
    ...opts,
  });
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** Every message `client` receives from now on. */
export function collect(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
    got.push({ topic, payload, retain: packet.retain }),
  );
  return got;
}

/** Resolves when the client's connection is gone (closed by the broker or destroyed). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once('close', () => resolve());
  });
}

/** A port for config files, which cannot say "any port". */
export { freePort } from '../../helpers/free-port.ts';
