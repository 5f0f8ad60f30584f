// MQTT ingest against a real aedes broker and a real mqtt.js publisher: good frames land in the
// ledger once, and every kind of bad message is counted, logged once and harmless.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { startIngest } from '../../../cloud-hub/src/ingest/index.ts';
import type { RunningIngest } from '../../../cloud-hub/src/ingest/index.ts';
import { T0, makeFrame, tempDir } from '../ledger/frame-fixture.ts';
import { startPlainAedes, until } from './aedes-broker.ts';
import type { PlainBroker } from './aedes-broker.ts';

const SITE = 'dublin-plant-2';
const DEVICE = 'orin-07';
const scheme = topicScheme('pretag/v1');

function status(state: 'online' | 'offline', cameras: string[]) {
  return JSON.stringify({
    v: 1,
    site: SITE,
    device: DEVICE,
    state,
    agentVersion: '0.1.0',
    cameras,
    uptime_s: 12,
    at: '2026-11-27T08:00:00Z',
  });
}

let tmp: ReturnType<typeof tempDir>;
let broker: PlainBroker;
let ledger: Ledger;
let ingest: RunningIngest;
let pub: MqttClient;
let warnings: { reason: string; device: string }[];

beforeEach(async () => {
  tmp = tempDir();
  broker = await startPlainAedes();
  ledger = openLedger(tmp.file('hub.db'));
  warnings = [];
  ingest = await startIngest({
    ledger,
    url: broker.url,
    maxItems: 7,
    maxWaitMs: 20,
    logger: {
      warn: (o: unknown) => {
        warnings.push(o as { reason: string; device: string });
      },
      info: () => undefined,
    },
  });
  pub = await mqtt.connectAsync(broker.url);
});

afterEach(async () => {
  await pub.endAsync();
  await ingest.close();
  ledger.close();
  await broker.close();
  tmp.remove();
});

const frameCount = (): number =>
  ledger.statement<[], number>('SELECT count(*) FROM frames').pluck().get() ?? 0;

describe('MQTT ingest', () => {
  it('stores each frame once however often it arrives, with its detect job', async () => {
    for (let i = 0; i < 20; i++) {
      const f = makeFrame(i);
      await pub.publishAsync(scheme.frame(SITE, DEVICE, f.camera), JSON.stringify(f), { qos: 1 });
    }
    // The edge resends frames 0..9 (say after a reconnect): nothing new may appear.
    for (let i = 0; i < 10; i++) {
      const f = makeFrame(i);
      await pub.publishAsync(scheme.frame(SITE, DEVICE, f.camera), JSON.stringify(f), { qos: 1 });
    }
    await until(() => ingest.metrics().messages === 30, '30 messages');
    ingest.flush();
    expect(frameCount()).toBe(20);
    expect(ledger.jobs.counts().queued).toBe(20);
    const m = ingest.metrics();
    expect(m.frames).toEqual({ received: 30, inserted: 20, duplicates: 10, conflicts: 0 });
    // 30 frames in batches of at most 7: at least ceil(30 / 7) = 5 writes.
    expect(m.flushes).toBeGreaterThanOrEqual(5);
    const stored = ledger.frames.getFrame('f000013');
    expect(stored?.camera).toBe('cam-1');
    expect(stored?.capturedAt).toBe(new Date(T0 + 13_000).toISOString());
    expect(ledger.frames.detectionsOf('f000013').edge.map((d) => d.label)).toEqual([
      'person',
      'car',
    ]);
  });

  it('counts hostile and wrong messages by reason, logs each once per device, and keeps going', async () => {
    await pub.publishAsync(
      scheme.status({ site: SITE, device: DEVICE }),
      status('online', ['cam-0', 'cam-1']),
      {
        qos: 1,
        retain: true,
      },
    );
    await until(() => ingest.metrics().status === 1, 'the status message');
    const good = makeFrame(1); // cam-1
    const topic = scheme.frame(SITE, DEVICE, 'cam-1');
    const sent: [string, string | Buffer][] = [
      [topic, 'not json at all'],
      [topic, '{"v":1'],
      [topic, Buffer.from([0xff, 0xfe, 0x00, 0x81])],
      [topic, JSON.stringify({ ...good, v: 2 })],
      [topic, '{"__proto__":{"polluted":true},"v":1}'],
      [topic, `${'['.repeat(5000)}${']'.repeat(5000)}`],
      [topic, JSON.stringify({ ...good, frameId: 'x'.repeat(300) })],
      [topic, Buffer.alloc(70 * 1024, 0x20)],
      // Topics the hub's filters match but whose ids are not valid ids.
      [`pretag/v1/${SITE}/${DEVICE}/cam 1!/frame`, JSON.stringify(good)],
      [`pretag/v1/${SITE}/or\u0001in/status`, status('online', ['cam-1'])],
      [scheme.frame(SITE, DEVICE, 'cam-0'), JSON.stringify(good)],
      [scheme.frame(SITE, DEVICE, 'cam-9'), JSON.stringify(makeFrame(9, { camera: 'cam-9' }))],
      [topic, JSON.stringify(good)],
    ];
    for (const [t, p] of sent) await pub.publishAsync(t, p, { qos: 1 });
    await until(() => ingest.metrics().messages === 1 + sent.length, 'all messages');
    ingest.flush();
    const m = ingest.metrics();
    // Counted by hand from the list above.
    expect(m.bad).toEqual({
      payload: 7,
      oversized: 1,
      topic: 2,
      mismatch: 1,
      'unknown-camera': 1,
      'not-stored': 0,
    });
    expect(m.frames.inserted).toBe(1);
    expect(frameCount()).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Seven bad payloads from one device: one warning for that reason and device.
    const payloadWarnings = warnings.filter((w) => w.reason === 'payload');
    expect(payloadWarnings).toEqual([expect.objectContaining({ device: `${SITE}/${DEVICE}` })]);
    expect(warnings.filter((w) => w.reason === 'unknown-camera')).toHaveLength(1);
  });

  it('tracks device status, including the last will, and stores stats counters', async () => {
    const statusTopic = scheme.status({ site: SITE, device: DEVICE });
    const edge = await mqtt.connectAsync(broker.url, {
      will: {
        topic: statusTopic,
        payload: Buffer.from(status('offline', [])),
        qos: 1,
        retain: true,
      },
    });
    await edge.publishAsync(statusTopic, status('online', ['cam-0', 'cam-1']), {
      qos: 1,
      retain: true,
    });
    const stats = {
      v: 1,
      site: SITE,
      device: DEVICE,
      windowStart: '2026-11-27T08:10:00Z',
      windowEnd: '2026-11-27T08:11:00Z',
      cameras: {
        'cam-0': {
          decoded: 1500,
          sampled: 60,
          gated: 20,
          inferred: 20,
          uploaded: 4,
          audited: 1,
          motion: 1,
          spooledBytes: 240000,
          dropped: 0,
        },
      },
    };
    await edge.publishAsync(scheme.stats({ site: SITE, device: DEVICE }), JSON.stringify(stats));
    await until(() => ingest.metrics().stats === 1, 'the stats message');
    expect(ingest.devices.get(SITE, DEVICE)).toMatchObject({
      state: 'online',
      cameras: ['cam-0', 'cam-1'],
    });
    const rows = ledger.edgeStats.between(
      Date.parse('2026-11-27T08:00:00Z'),
      Date.parse('2026-11-27T09:00:00Z'),
    );
    expect(rows).toEqual([
      expect.objectContaining({
        camera: 'cam-0',
        decoded: 1500,
        uploaded: 4,
        spooledBytes: 240000,
        messages: 1,
      }),
    ]);
    // The edge dies without DISCONNECT: the broker publishes its will.
    edge.stream.destroy();
    await until(() => ingest.devices.get(SITE, DEVICE)?.state === 'offline', 'the last will');
    // The will names no cameras; the hub still knows which cameras the device has.
    expect(ingest.devices.get(SITE, DEVICE)?.cameras).toEqual(['cam-0', 'cam-1']);
    edge.end(true);
  });
});
