// The embedded broker hands device frames to the hub's ingest in the same process and
// acknowledges them only once they are in the ledger; while no ingest takes frames, a device
// frame is refused (its connection is closed) so the edge keeps it and sends it again.
// Real aedes, real mqtt.js clients, a real SQLite ledger file.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startIngest } from '../../../cloud-hub/src/ingest/subscriber.ts';
import type { RunningIngest } from '../../../cloud-hub/src/ingest/subscriber.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { HUB, PREFIX, connect, startHarness } from './harness.ts';
import type { Harness } from './harness.ts';

const SITE = 'galway-depot';
const DEVICE = 'orin-11';
const CAMERA = 'bay-4';
const topics = topicScheme(PREFIX);

function frame(frameId: string): string {
  const capturedAt = '2026-11-27T11:00:00.000Z';
  return JSON.stringify({
    v: 1,
    frameId,
    capturedAt,
    site: SITE,
    device: DEVICE,
    camera: CAMERA,
    blobKey: frameBlobKey({ site: SITE, camera: CAMERA, capturedAt, frameId }),
    width: 640,
    height: 480,
    sha256: createHash('sha256').update(frameId).digest('hex'),
    bytes: 1234,
    reason: 'prefilter',
    detections: [],
    motionScore: null,
    thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person'] },
    modelId: 'nanodet-int8',
  });
}

let h: Harness | undefined;
let ledger: Ledger | undefined;
let ingest: RunningIngest | undefined;

afterEach(async () => {
  await ingest?.close();
  ingest = undefined;
  ledger?.close();
  ledger = undefined;
  await h?.stop();
  h = undefined;
});

async function setUp(): Promise<{ username: string; password: string }> {
  const harness = await startHarness();
  h = harness;
  const added = await harness.registry.addDevice(SITE, DEVICE);
  if (!added.ok) throw new Error(added.reason);
  ledger = openLedger(path.join(harness.dir, 'hub.db'));
  // Long batching: a PUBACK that came before the commit would show up as a missing frame.
  ingest = await startIngest({
    ledger,
    url: harness.url,
    clientOptions: { ...HUB, clientId: 'hub-ingest', reconnectPeriod: 0 },
    maxItems: 1_000,
    maxWaitMs: 10_000,
  });
  return { username: added.username, password: added.password };
}

const stored = (frameId: string): boolean => ledger?.frames.getFrame(frameId)?.frameId === frameId;

describe('embedded broker → ingest intake', () => {
  it('acknowledges a device frame only once it is in the ledger, and stores it once', async () => {
    const login = await setUp();
    const dev = await connect(h?.url ?? '', login);
    try {
      await dev.publishAsync(topics.frame(SITE, DEVICE, CAMERA), frame('in-0001'), { qos: 1 });
      expect(stored('in-0001')).toBe(true);
      const m = ingest?.metrics();
      // Handed over in process, not delivered a second time over MQTT.
      expect(m?.messages).toBe(1);
      expect(m?.frames).toMatchObject({ received: 1, inserted: 1, duplicates: 0 });
    } finally {
      await dev.endAsync();
    }
  }, 30_000);

  it('acknowledges an invalid frame once (it will never become valid) and counts it once', async () => {
    const login = await setUp();
    const dev = await connect(h?.url ?? '', login);
    try {
      await dev.publishAsync(topics.frame(SITE, DEVICE, CAMERA), '{"v":1,"frameId":3}', {
        qos: 1,
      });
      const m = ingest?.metrics();
      expect(m?.messages).toBe(1);
      expect(m?.bad.payload).toBe(1);
      expect(m?.frames.inserted).toBe(0);
    } finally {
      await dev.endAsync();
    }
  }, 30_000);

  it('after ingest has closed, refuses a device frame: the connection drops, nothing is stored', async () => {
    const login = await setUp();
    const dev = await connect(h?.url ?? '', login);
    await ingest?.close();
    ingest = undefined;
    const gone = new Promise<void>((resolve) => dev.once('close', () => resolve()));
    let acked = false;
    dev
      .publishAsync(topics.frame(SITE, DEVICE, CAMERA), frame('in-0002'), { qos: 1 })
      .then(() => (acked = true))
      .catch(() => undefined);
    await gone;
    expect(acked).toBe(false);
    expect(stored('in-0002')).toBe(false);
    expect(h?.broker.rejections().hub_not_ready).toBe(1);
    await dev.endAsync(true);
  }, 30_000);
});
