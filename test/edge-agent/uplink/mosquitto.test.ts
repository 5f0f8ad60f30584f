// Debian's Mosquitto as the broker: the drain scenario, and the persistent session (clean: false
// with a stable client id) keeping QoS 1 messages for the device while it is away.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import type { ConfigPayload } from '@pretag/shared/mqtt/payloads';
import { Uplink } from '../../../edge-agent/src/uplink/uplink.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { MosquittoStart } from '../../helpers/mosquitto.ts';
import { drainScenario, openTempSpool, uplinkOptions } from './drain.ts';
import {
  DEVICE,
  PASSWORD,
  SITE,
  USERNAME,
  startBlobServer,
  startCollector,
  waitFor,
} from './harness.ts';
import type { BlobServer } from './harness.ts';

const mq: MosquittoStart = await startMosquitto();

describe.skipIf(!mq.ok)(`uplink through Mosquitto ${mq.reason}`, () => {
  let root: string;
  let blobServer: BlobServer;
  let blobs: HttpBlobStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pretag-uplink-mosq-'));
    blobServer = await startBlobServer(root);
    blobs = new HttpBlobStore({ hubUrl: blobServer.url, username: USERNAME, password: PASSWORD });
  });
  afterAll(async () => {
    await blobServer?.stop();
    if (mq.ok) await mq.mosquitto.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('delivers spooled frames in order with each JPEG intact', async () => {
    if (!mq.ok) return;
    await drainScenario(mq.mosquitto.url, blobs, 'mosq');
  });

  it('keeps the device session: a QoS 1 message sent while it was away arrives on reconnect', async () => {
    if (!mq.ok) return;
    const url = mq.mosquitto.url;
    const s = await openTempSpool();
    const got: ConfigPayload[] = [];
    const opts = uplinkOptions(s.spool, blobs, url, { onRemoteConfig: (c) => got.push(c) });
    const hub = await startCollector(url, `hub-session-${process.pid}`);
    try {
      const first = new Uplink(opts);
      first.start();
      await waitFor(() => first.counters().connected, 'the first connection');
      await first.stop();

      // Not retained: only the broker's stored session can bring it to the device.
      const config: ConfigPayload = {
        v: 1,
        site: SITE,
        device: DEVICE,
        issuedAt: '2026-11-27T02:00:00Z',
        cameras: { cam1: { auditRate: 0.05 } },
      };
      await hub.client.publishAsync(`pretag/v1/${SITE}/${DEVICE}/config`, JSON.stringify(config), {
        qos: 1,
      });
      const second = new Uplink(opts);
      second.start();
      try {
        await waitFor(() => got.length === 1, 'the queued config message');
        expect(second.sessionPresent).toBe(true);
        expect(got).toEqual([config]);
      } finally {
        await second.stop();
      }
    } finally {
      await hub.close();
      await s.cleanup();
    }
  });
});
