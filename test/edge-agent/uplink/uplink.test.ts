// Uplink against real parts: an in-process aedes broker, the hub blob contract served over a
// FsBlobStore, a real spool on disk, and a hub-side subscriber.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import type { ConfigPayload } from '@pretag/shared/mqtt/payloads';
import { Uplink } from '../../../edge-agent/src/uplink/uplink.ts';
import {
  dedupe,
  drainScenario,
  expectBlobsStored,
  openTempSpool,
  testFrames,
  uplinkOptions,
} from './drain.ts';
import {
  DEVICE,
  PASSWORD,
  SITE,
  USERNAME,
  freePort,
  startAedes,
  startBlobServer,
  startCollector,
  waitFor,
} from './harness.ts';
import type { BlobServer, RunningAedes } from './harness.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pretag-uplink-blobs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function hubStore(url: string): HttpBlobStore {
  return new HttpBlobStore({
    hubUrl: url,
    username: USERNAME,
    password: PASSWORD,
    allowedPrefix: `frames/${SITE}/`,
    maxTries: 2,
    retryDelayMs: 50,
    tryTimeoutMs: 5_000,
  });
}

describe('uplink with aedes and the hub blob store', () => {
  let broker: RunningAedes;
  let blobs: BlobServer;
  beforeAll(async () => {
    broker = await startAedes();
    blobs = await startBlobServer(path.join(root, 'drain'));
  });
  afterAll(async () => {
    await broker?.stop();
    await blobs?.stop();
  });

  it('delivers spooled frames in order, stores each JPEG intact, and empties the spool', async () => {
    await drainScenario(broker.url, hubStore(blobs.url), 'aedes');
    // Every JPEG went up once with a create-only PUT.
    expect(blobs.requests.PUT).toBe(12);
  });

  it('hands valid remote config to the callback and counts bad messages without crashing', async () => {
    const s = await openTempSpool();
    const got: ConfigPayload[] = [];
    const uplink = new Uplink(
      uplinkOptions(s.spool, hubStore(blobs.url), broker.url, {
        onRemoteConfig: (c) => got.push(c),
      }),
    );
    const hub = await startCollector(broker.url, `hub-config-${process.pid}`);
    try {
      uplink.start();
      await waitFor(() => uplink.counters().connected, 'the uplink to connect');
      const topic = `pretag/v1/${SITE}/${DEVICE}/config`;
      const good: ConfigPayload = {
        v: 1,
        site: SITE,
        device: DEVICE,
        issuedAt: '2026-11-27T01:00:00Z',
        cameras: { cam1: { minScore: 0.5 } },
      };
      await hub.client.publishAsync(topic, 'not json', { qos: 1 });
      await hub.client.publishAsync(topic, JSON.stringify({ ...good, device: 'other' }), {
        qos: 1,
      });
      await hub.client.publishAsync(topic, JSON.stringify({ ...good, v: 2 }), { qos: 1 });
      await hub.client.publishAsync(topic, JSON.stringify(good), { qos: 1, retain: true });
      await waitFor(() => got.length === 1, 'the valid config');
      expect(got).toEqual([good]);
      expect(uplink.counters().badConfig).toBe(3);
    } finally {
      await uplink.stop();
      await hub.client.publishAsync(`pretag/v1/${SITE}/${DEVICE}/config`, '', {
        qos: 1,
        retain: true,
      });
      await hub.close();
      await s.cleanup();
    }
  });

  it('retries a frame whose key holds different bytes without holding up the frames after it', async () => {
    const s = await openTempSpool();
    const store = hubStore(blobs.url);
    const frames = testFrames(3, 'conflict');
    const [stuck] = frames;
    if (!stuck) throw new Error('no frames');
    // Someone else's bytes are already under the first frame's key.
    await blobs.store.put(stuck.frame.blobKey, Buffer.from('not this frame'));
    const hub = await startCollector(broker.url, `hub-conflict-${process.pid}`);
    const uplink = new Uplink(uplinkOptions(s.spool, store, broker.url));
    try {
      for (const f of frames) await s.spool.accept(f.frame, f.jpeg);
      uplink.start();
      await waitFor(() => hub.frames.length === 2, 'the two later frames');
      expect(hub.frames.map((f) => f.frameId)).toEqual(frames.slice(1).map((f) => f.frame.frameId));
      const left = s.spool.next(Date.now() + 60_000);
      expect(left?.frameId).toBe(stuck.frame.frameId);
      expect(left?.lastError).toMatch(/different blob already exists/);
      expect(uplink.counters().blobFailures).toBeGreaterThanOrEqual(1);
    } finally {
      await uplink.stop();
      await hub.close();
      await s.cleanup();
    }
  });

  it('sends periodic stats from the counters provider', async () => {
    const s = await openTempSpool();
    const counts = {
      decoded: 120,
      sampled: 60,
      gated: 20,
      inferred: 20,
      uploaded: 3,
      audited: 1,
      motion: 0,
      spooledBytes: 45_000,
      dropped: 0,
    };
    let calls = 0;
    const hub = await startCollector(broker.url, `hub-stats-${process.pid}`);
    const uplink = new Uplink(
      uplinkOptions(s.spool, hubStore(blobs.url), broker.url, {
        statsIntervalMs: 50,
        countersProvider: () => {
          calls++;
          return { cam1: counts };
        },
      }),
    );
    try {
      uplink.start();
      await waitFor(() => hub.stats.length >= 2, 'two stats messages');
      const [a, b] = hub.stats;
      expect(a).toMatchObject({ site: SITE, device: DEVICE, cameras: { cam1: counts } });
      // Windows follow each other without gaps.
      expect(b?.windowStart).toBe(a?.windowEnd);
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      await uplink.stop();
      await hub.close();
      await s.cleanup();
    }
  });

  it('refuses a concurrency or bandwidth cap it cannot honour', async () => {
    const s = await openTempSpool();
    try {
      expect(
        () =>
          new Uplink(uplinkOptions(s.spool, hubStore(blobs.url), broker.url, { concurrency: 0 })),
      ).toThrow(/concurrency must be an integer from 1 to 64/);
      expect(
        () =>
          new Uplink(
            uplinkOptions(s.spool, hubStore(blobs.url), broker.url, {
              bandwidth: { bytesPerS: 0 },
            }),
          ),
      ).toThrow(/bandwidth cap: rate must be a positive number/);
    } finally {
      await s.cleanup();
    }
  });
});

describe('uplink when the hub is unreachable at start', () => {
  it('stops cleanly during an outage and keeps every frame spooled', async () => {
    const s = await openTempSpool();
    const port = await freePort();
    const uplink = new Uplink(
      uplinkOptions(s.spool, hubStore(`http://127.0.0.1:${port}`), `mqtt://127.0.0.1:${port}`),
    );
    try {
      const frames = testFrames(3, 'stop');
      for (const f of frames) await s.spool.accept(f.frame, f.jpeg);
      uplink.start();
      await waitFor(() => uplink.counters().blobFailures >= 1, 'a failed upload');
      await uplink.stop();
      expect(s.spool.stats().items).toBe(3);
    } finally {
      await uplink.stop();
      await s.cleanup();
    }
  });

  it('keeps every frame spooled, then drains them in order once broker and blob store appear', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const s = await openTempSpool();
    const store = hubStore(`http://127.0.0.1:${httpPort}`);
    const uplink = new Uplink(uplinkOptions(s.spool, store, `mqtt://127.0.0.1:${mqttPort}`));
    const frames = testFrames(8, 'outage');
    let broker: RunningAedes | undefined;
    let blobs: BlobServer | undefined;
    let collector: Awaited<ReturnType<typeof startCollector>> | undefined;
    try {
      for (const f of frames) await s.spool.accept(f.frame, f.jpeg);
      uplink.start();
      await waitFor(() => uplink.counters().blobFailures >= 3, 'three failed blob uploads');
      expect(s.spool.stats().items).toBe(frames.length);
      expect(uplink.counters()).toMatchObject({ uploaded: 0, connected: false, queueDepth: 8 });

      // The hub returns: broker first (so the subscriber is there), then the blob store.
      broker = await startAedes(mqttPort);
      collector = await startCollector(broker.url, `hub-outage-${process.pid}`);
      blobs = await startBlobServer(path.join(root, 'outage'), { port: httpPort });
      const c = collector;
      await waitFor(
        () => dedupe(c.frames.map((f) => f.frameId)).unique.length === frames.length,
        'all frames at the subscriber',
      );
      const got = dedupe(c.frames.map((f) => f.frameId));
      expect(got.unique).toEqual(frames.map((f) => f.frame.frameId));
      expect(got.duplicates).toBe(0);
      await expectBlobsStored(blobs.store, frames);
      await waitFor(() => s.spool.stats().items === 0, 'an empty spool');
      expect(uplink.counters().uploaded).toBe(frames.length);
    } finally {
      await uplink.stop();
      await collector?.close();
      await broker?.stop();
      await blobs?.stop();
      await s.cleanup();
    }
  });
});
