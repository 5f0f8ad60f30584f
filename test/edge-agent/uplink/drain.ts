// The drain scenario shared by the aedes, Azurite and Mosquitto suites: frames accepted into a
// real spool reach a hub-side subscriber in capture order with their payloads intact, the blob
// store holds each JPEG (sha256 computed here with node:crypto), and the spool ends empty.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { BlobStore } from '@pretag/shared/blob/store';
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import { Uplink } from '../../../edge-agent/src/uplink/uplink.ts';
import type { UplinkOptions } from '../../../edge-agent/src/uplink/uplink.ts';
import { makeFrame, sha256 } from '../spool/frames.ts';
import type { TestFrame } from '../spool/frames.ts';
import { DEVICE, SITE, startCollector, waitFor } from './harness.ts';

/** Fast retries for tests: the spool's backoff and the client's reconnects. */
export const FAST_BACKOFF = { baseMs: 100, maxMs: 400 };

export async function openTempSpool(): Promise<{
  spool: Spool;
  dir: string;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-uplink-'));
  const spool = Spool.open({
    dir,
    maxBytes: 256 * 2 ** 20,
    maxAgeS: 86_400,
    backoff: FAST_BACKOFF,
  });
  return {
    spool,
    dir,
    cleanup: async () => {
      await spool.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `n` frames, one second apart, sizes 2–60 KB, in capture order. */
export function testFrames(n: number, tag: string, baseMs = Date.now() - 3_600_000): TestFrame[] {
  return Array.from({ length: n }, (_, i) =>
    makeFrame(
      `${tag}-${String(i).padStart(4, '0')}`,
      baseMs + i * 1_000,
      2_000 + ((i * 7919) % 58_000),
    ),
  );
}

export function uplinkOptions(
  spool: Spool,
  blobs: BlobStore,
  brokerUrl: string,
  extra: Partial<UplinkOptions> = {},
): UplinkOptions {
  return {
    spool,
    blobs,
    site: SITE,
    device: DEVICE,
    agentVersion: '0.1.0-test',
    cameras: ['cam1'],
    mqtt: { url: brokerUrl, reconnectMinMs: 100, reconnectMaxMs: 400, connectTimeoutMs: 5_000 },
    idlePollMs: 50,
    ...extra,
  };
}

/** Frame ids in first-arrival order, and how many arrivals repeated an earlier id. */
export function dedupe(ids: readonly string[]): { unique: string[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(id);
  }
  return { unique, duplicates: ids.length - unique.length };
}

export async function expectBlobsStored(
  blobs: BlobStore,
  frames: readonly TestFrame[],
): Promise<void> {
  for (const f of frames) {
    const stored = await blobs.get(f.frame.blobKey);
    expect(stored, f.frame.blobKey).toBeDefined();
    expect(sha256(stored ?? new Uint8Array())).toBe(f.sha256);
  }
}

/** Accept frames, drain them through a fresh uplink, and check everything the hub would see. */
export interface BrokerLogins {
  device: { username: string; password: string };
  hub: { username: string; password: string };
}

export async function drainScenario(
  brokerUrl: string,
  blobs: BlobStore,
  tag: string,
  logins?: BrokerLogins,
): Promise<void> {
  const s = await openTempSpool();
  const collector = await startCollector(brokerUrl, `hub-${tag}-${process.pid}`, logins?.hub);
  const opts = uplinkOptions(s.spool, blobs, brokerUrl);
  const uplink = new Uplink({ ...opts, mqtt: { ...opts.mqtt, ...logins?.device } });
  try {
    const frames = testFrames(12, tag);
    for (const f of frames) await s.spool.accept(f.frame, f.jpeg);
    uplink.start();
    await waitFor(
      () => dedupe(collector.frames.map((f) => f.frameId)).unique.length === frames.length,
      `${frames.length} frames at the subscriber`,
    );
    const got = dedupe(collector.frames.map((f) => f.frameId));
    expect(got.unique).toEqual(frames.map((f) => f.frame.frameId));
    expect(got.duplicates).toBe(0);
    expect(collector.invalid).toEqual([]);
    // The payload the hub receives is the frame as it was accepted.
    expect(collector.frames).toEqual(frames.map((f) => f.frame));
    await expectBlobsStored(blobs, frames);
    await waitFor(() => s.spool.stats().items === 0, 'an empty spool');
    const c = uplink.counters();
    expect(c.uploaded).toBe(frames.length);
    expect(c.bytesSent).toBe(frames.reduce((a, f) => a + f.jpeg.byteLength, 0));
    expect(c.queueDepth).toBe(0);
    // Retained `online` status with what this device runs.
    await waitFor(() => collector.statuses.some((x) => x.state === 'online'), 'online status');
    const online = collector.statuses.find((x) => x.state === 'online');
    expect(online).toMatchObject({
      site: SITE,
      device: DEVICE,
      cameras: ['cam1'],
      agentVersion: '0.1.0-test',
    });
    await uplink.stop();
    // A clean stop says `offline` itself.
    await waitFor(() => collector.statuses.some((x) => x.state === 'offline'), 'offline status');
  } finally {
    await uplink.stop();
    await collector.close();
    await s.cleanup();
  }
}
