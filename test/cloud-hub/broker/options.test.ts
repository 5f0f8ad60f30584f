// Bad broker settings fail at start with a message naming the setting, and leave nothing behind.
import net from 'node:net';
import path from 'node:path';
import { rmSync, writeFileSync as writeFile } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubFileSchema } from '../../../shared/src/config/hub-schema.ts';
import {
  DeviceRegistry,
  embeddedBrokerSettings,
  startBroker,
} from '../../../cloud-hub/src/broker/index.ts';
import type { BrokerOptions } from '../../../cloud-hub/src/broker/index.ts';
import { HUB, PREFIX, silent, tempDir } from './harness.ts';

let dir: string;
let base: BrokerOptions;
beforeEach(() => {
  dir = tempDir();
  const registry = DeviceRegistry.open(path.join(dir, 'c.db'), {
    scrypt: { N: 1024, r: 8, p: 1, keyLength: 32 },
  });
  base = {
    port: 0,
    host: '127.0.0.1',
    maxPacketBytes: 4096,
    registry,
    prefix: PREFIX,
    hubCredentials: HUB,
    logger: silent,
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('broker settings', () => {
  it.each([
    [{ prefix: 'pretag/#' }, /broker options: prefix contains an MQTT wildcard/],
    [{ maxPacketBytes: 10 }, /maxPacketBytes must be a whole number of at least 64, got 10/],
    [{ maxPacketBytes: 2 ** 29 }, /maxPacketBytes must be at most 268435460/],
    [{ hubCredentials: { username: 'hub@x', password: HUB.password } }, /contain no "@"/],
    [{ hubCredentials: { username: 'hub', password: 'short' } }, /at least 16 characters/],
  ])('refuses %o', async (over, message) => {
    await expect(startBroker({ ...base, ...over })).rejects.toThrow(message);
  });

  it('reports a port that is taken, and the port stays usable by its owner', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as net.AddressInfo;
    await expect(startBroker({ ...base, port })).rejects.toThrow(/EADDRINUSE/);
    expect(blocker.listening).toBe(true);
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('names the hub.yaml key and the file of every TLS file that cannot be read', async () => {
    const mqtt = hubFileSchema.shape.mqtt.parse({
      embedded: { tls: { cert: 'missing-cert.pem', key: 'missing-key.pem' } },
    });
    const err = await embeddedBrokerSettings(mqtt, dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const lines = err?.message.split('\n') ?? [];
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(
      `mqtt.embedded.tls.key: cannot read ${path.join(dir, 'missing-key.pem')}`,
    );
    expect(lines[1]).toContain(
      `mqtt.embedded.tls.cert: cannot read ${path.join(dir, 'missing-cert.pem')}`,
    );
  });

  it('names only the unreadable file when the others are there', async () => {
    const key = path.join(dir, 'present-key.pem');
    writeFile(key, 'not checked here');
    const mqtt = hubFileSchema.shape.mqtt.parse({
      embedded: { tls: { cert: 'missing-cert.pem', key: 'present-key.pem', ca: 'missing-ca.pem' } },
    });
    const err = await embeddedBrokerSettings(mqtt, dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message.split('\n').map((l) => l.split(':')[0])).toEqual([
      'mqtt.embedded.tls.cert',
      'mqtt.embedded.tls.ca',
    ]);
  });

  it('reads the defaults of an empty mqtt section, and nothing for an external broker', async () => {
    const embedded = hubFileSchema.shape.mqtt.parse({});
    expect(await embeddedBrokerSettings(embedded, dir)).toEqual({
      host: '0.0.0.0',
      port: 1883,
      maxPacketBytes: 256 * 1024,
      prefix: 'pretag/v1',
    });
    const external = hubFileSchema.shape.mqtt.parse({ external: { url: 'mqtt://broker:1883' } });
    expect(await embeddedBrokerSettings(external, dir)).toBeUndefined();
  });
});
