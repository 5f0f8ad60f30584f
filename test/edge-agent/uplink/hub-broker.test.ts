// The uplink through the hub's own broker (aedes with device logins and ACLs): a device may only
// publish under its own site/device and subscribe to its own config topic, so this proves the
// uplink's topics, client id and subscription fit the hub's rules.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import { createLogger } from '@pretag/shared/log/logger';
import {
  DeviceRegistry,
  REJECTION_REASONS,
  startBroker,
} from '../../../cloud-hub/src/broker/index.ts';
import type { RunningBroker } from '../../../cloud-hub/src/broker/index.ts';
import { drainScenario } from './drain.ts';
import { DEVICE, PASSWORD, SITE, USERNAME, startBlobServer } from './harness.ts';
import type { BlobServer } from './harness.ts';

const HUB = { username: 'pretag-hub', password: 'hub-secret-0123456789abcdef' };

describe('uplink through the hub broker (device login and ACL)', () => {
  let root: string;
  let broker: RunningBroker;
  let registry: DeviceRegistry;
  let blobs: BlobServer;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pretag-uplink-hub-'));
    registry = DeviceRegistry.open(path.join(root, 'credentials.db'));
    broker = await startBroker({
      port: 0,
      host: '127.0.0.1',
      maxPacketBytes: 256 * 1024,
      registry,
      prefix: 'pretag/v1',
      hubCredentials: HUB,
      logger: createLogger({ name: 'uplink-test', level: 'silent' }),
    });
    blobs = await startBlobServer(path.join(root, 'blobs'));
  });
  afterAll(async () => {
    await broker?.close();
    await blobs?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('logs in as the device and delivers spooled frames in order', async () => {
    const added = await registry.addDevice(SITE, DEVICE);
    if (!added.ok) throw new Error(added.reason);
    expect(added.username).toBe(`${DEVICE}@${SITE}`);
    const store = new HttpBlobStore({ hubUrl: blobs.url, username: USERNAME, password: PASSWORD });
    await drainScenario(`mqtt://127.0.0.1:${broker.port}`, store, 'hubbroker', {
      device: { username: added.username, password: added.password },
      hub: HUB,
    });
    // Nothing the uplink did was refused: login, client id, publishes and the config subscription.
    expect(broker.rejections()).toEqual(Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])));
  });
});
