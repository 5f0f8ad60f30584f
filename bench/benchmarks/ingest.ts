// MQTT ingest into the ledger (frames/s), detection off: publisher → broker → ingest → ledger.
// - baseline: the embedded broker, aedes in the hub's process (plain: no device auth or ACLs).
// - subject: an external Mosquitto (Debian's, on a loopback port), the hub's ingest as its client.
// Each run starts a fresh broker and ledger; 10 000 valid frame payloads (50 cameras, two edge
// boxes each) are published at QoS 1 by one mqtt.js client as fast as it can with up to 256 unacknowledged, and the clock runs
// from the first publish until the last frame is committed. Ingest writes 200 frames per
// transaction or every 50 ms.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startIngest } from '@pretag/cloud-hub/ingest/subscriber';
import { openLedger } from '@pretag/cloud-hub/ledger/open';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { encodePayload } from '@pretag/shared/mqtt/payloads';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startPlainAedes } from '../../test/cloud-hub/ingest/aedes-broker.ts';
import { startMosquitto } from '../../test/helpers/mosquitto.ts';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const FRAMES = 10_000;
const WINDOW = 256;
const T0 = Date.parse('2026-11-27T08:00:00.000Z');
const scheme = topicScheme('pretag/v1');

function makeMessages(): { topic: string; payload: Buffer }[] {
  return Array.from({ length: FRAMES }, (_, i) => {
    const frameId = `bench-${String(i).padStart(6, '0')}`;
    const camera = `cam-${i % 50}`;
    const device = `orin-${i % 5}`;
    const capturedAt = new Date(T0 + i * 100).toISOString();
    return {
      topic: scheme.frame('bench-site', device, camera),
      payload: encodePayload('frame', {
        v: 1,
        frameId,
        capturedAt,
        site: 'bench-site',
        device,
        camera,
        blobKey: frameBlobKey({ site: 'bench-site', camera, capturedAt, frameId }),
        width: 1280,
        height: 720,
        sha256: createHash('sha256').update(frameId).digest('hex'),
        bytes: 60_000 + (i % 5_000),
        reason: 'prefilter',
        detections: [
          { label: 'person', score: 0.81, box: [10, 20, 110, 320] },
          { label: 'car', score: 0.42, box: [400, 300, 700, 500] },
        ],
        motionScore: 0.03,
        thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person', 'car', 'truck'] },
        modelId: 'ssd-mobilenet-int8',
      }),
    };
  });
}

interface Broker {
  url: string;
  close(): Promise<void>;
}

async function throughput(
  url: string,
  messages: { topic: string; payload: Buffer }[],
): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-bench-ingest-'));
  const ledger = openLedger(path.join(dir, 'hub.db'));
  const ingest = await startIngest({ ledger, url, maxItems: 200, maxWaitMs: 50 });
  const pub = await mqtt.connectAsync(url);
  try {
    const t0 = performance.now();
    // At most WINDOW publishes waiting for their PUBACK, as an edge uplink keeps a bounded window.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < messages.length) {
        const m = messages[next++] as { topic: string; payload: Buffer };
        await pub.publishAsync(m.topic, m.payload, { qos: 1 });
      }
    };
    const publishing = Promise.all(Array.from({ length: WINDOW }, lane));
    let seen = 0;
    let lastProgress = performance.now();
    for (;;) {
      const m = ingest.metrics();
      const n = m.frames.inserted + m.frames.duplicates;
      if (n >= FRAMES) break;
      if (n > seen) [seen, lastProgress] = [n, performance.now()];
      else if (performance.now() - lastProgress > 30_000)
        throw new Error(`ingest stalled at ${n} of ${FRAMES} frames: ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const seconds = (performance.now() - t0) / 1000;
    await publishing;
    const stored = ledger.statement<[], number>('SELECT count(*) FROM frames').pluck().get();
    if (stored !== FRAMES) throw new Error(`stored ${stored} frames, expected ${FRAMES}`);
    return FRAMES / seconds;
  } finally {
    await pub.endAsync();
    await ingest.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function viaBroker(
  label: string,
  start: () => Promise<Broker>,
  messages: { topic: string; payload: Buffer }[],
): Measure {
  return {
    label,
    async run() {
      const broker = await start();
      try {
        return await throughput(broker.url, messages);
      } finally {
        await broker.close();
      }
    },
  };
}

async function mosquitto(): Promise<Broker> {
  const r = await startMosquitto();
  if (!r.ok) throw new Error(r.reason);
  return { url: r.mosquitto.url, close: () => r.mosquitto.dispose() };
}

export const ingest: Benchmark = {
  name: 'ingest',
  description: 'frames/s from an MQTT publisher into the ledger: embedded aedes vs Mosquitto',
  media: [],
  cases(): Promise<BenchCase[]> {
    const messages = makeMessages();
    return Promise.resolve([
      {
        name: `${FRAMES} frames, QoS 1`,
        unit: 'frames/s',
        baseline: viaBroker(
          'embedded aedes (in process) → ingest → ledger',
          startPlainAedes,
          messages,
        ),
        subject: viaBroker('Mosquitto (external process) → ingest → ledger', mosquitto, messages),
      },
    ]);
  },
};
