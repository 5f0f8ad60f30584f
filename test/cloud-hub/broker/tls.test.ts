// The optional TLS listener, configured the way an operator does it: hub.yaml names a cert and
// key made here by the openssl CLI. Skipped with a printed reason when openssl is missing.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfigFile } from '../../../shared/src/config/load.ts';
import {
  DeviceRegistry,
  embeddedBrokerSettings,
  startBroker,
} from '../../../cloud-hub/src/broker/index.ts';
import type { RunningBroker } from '../../../cloud-hub/src/broker/index.ts';
import { HUB, SOON, closed, collect, connect, freePort, silent, tempDir } from './harness.ts';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl) console.warn('SKIP: TLS broker test needs the openssl CLI to make a certificate');

describe.skipIf(!hasOpenssl)('embedded broker over TLS, configured from hub.yaml', () => {
  let dir: string;
  let broker: RunningBroker;
  let registry: DeviceRegistry;
  let cert: Buffer;

  beforeAll(async () => {
    dir = tempDir();
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    cert = readFileSync(path.join(dir, 'cert.pem'));
    const [port, tlsPort] = [await freePort(), await freePort()];
    writeFileSync(
      path.join(dir, 'hub.yaml'),
      [
        'mqtt:',
        '  prefix: acme/pretag',
        '  embedded:',
        '    host: 127.0.0.1',
        `    port: ${port}`,
        '    max_packet_bytes: 16KiB',
        `    tls: { port: ${tlsPort}, cert: cert.pem, key: key.pem }`,
        '',
      ].join('\n'),
    );
    const cfg = loadConfigFile(path.join(dir, 'hub.yaml'), 'hub');
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    const settings = await embeddedBrokerSettings(cfg.config.mqtt, dir);
    if (!settings) throw new Error('expected embedded settings');
    registry = DeviceRegistry.open(path.join(dir, 'credentials.db'));
    broker = await startBroker({ ...settings, registry, hubCredentials: HUB, logger: silent });
  });

  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the listener settings from hub.yaml', () => {
    expect(broker.tlsPort).toBeGreaterThan(0);
    expect(broker.tlsPort).not.toBe(broker.port);
  });

  it('carries a device publish over TLS to the hub on the plain port', async () => {
    const dev = await registry.addDevice('site-1', 'orin-01');
    if (!dev.ok) throw new Error(dev.reason);
    const hub = await connect(`mqtt://127.0.0.1:${broker.port}`, { ...HUB, clientId: 'hub' });
    const got = collect(hub);
    await hub.subscribeAsync('acme/pretag/+/+/+/frame', { qos: 1 });
    const d = await connect(`mqtts://127.0.0.1:${broker.tlsPort}`, {
      username: dev.username,
      password: dev.password,
      ca: cert,
      rejectUnauthorized: true,
    });
    await d.publishAsync('acme/pretag/site-1/orin-01/cam-1/frame', 'over-tls', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(got[0]?.payload.toString()).toBe('over-tls');
    // max_packet_bytes: 16KiB = 16 384 bytes applies on TLS too; a 16 384-byte payload plus its
    // headers is over it.
    const gone = closed(d);
    d.publish('acme/pretag/site-1/orin-01/cam-1/frame', Buffer.alloc(16_384), { qos: 1 });
    await gone;
    expect(broker.rejections().oversized).toBe(1);
    await Promise.all([hub.endAsync(), d.endAsync(true)]);
  });

  it('a client that does not trust the certificate cannot connect', async () => {
    const err = await connect(`mqtts://127.0.0.1:${broker.tlsPort}`, {
      username: 'x@y',
      password: 'z',
      rejectUnauthorized: true,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/self[- ]signed/i);
  });
});
