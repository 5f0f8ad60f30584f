// MQTT ingest into the ledger (frames/s), detection off: edge publishers → broker → ingest → ledger.
// - baseline: the hub's embedded broker (aedes in the hub's process, with device passwords, ACLs
//   and the packet size guard), devices registered in the ledger as `pretag hub device add` does.
//   Frames go to ingest in process and each PUBACK waits for the frame's commit (broker/intake.ts).
// - subject: an external Mosquitto (Debian's, on a loopback port, with the queue settings the hub
//   needs), the hub's ingest as its MQTT client.
// Each run starts a fresh broker and ledger. 10 000 valid frame payloads (50 cameras on five edge
// boxes) are published at QoS 1 by five mqtt.js device clients, one per box, in a worker thread
// (edges are other machines: the load generator must not share the hub's event loop), each with
// at most 52 unacknowledged publishes. The clock runs from the first publish until the last frame
// is committed. Ingest writes at most 200 frames per transaction: frames waiting for their PUBACK
// once per event-loop turn, frames already acknowledged (Mosquitto) at the latest after 50 ms.
//
// Every run checks the ledger afterwards: each frameId exactly once, one detect job and two edge
// detections per frame. A run that stops making progress names the stage frames went missing at.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { startBroker } from '@pretag/cloud-hub/broker/broker';
import { DeviceRegistry } from '@pretag/cloud-hub/broker/device-registry';
import { startIngest } from '@pretag/cloud-hub/ingest/subscriber';
import type { RunningIngest } from '@pretag/cloud-hub/ingest/subscriber';
import { openLedger } from '@pretag/cloud-hub/ledger/open';
import type { Ledger } from '@pretag/cloud-hub/ledger/open';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { encodePayload } from '@pretag/shared/mqtt/payloads';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { freePort } from '../../test/helpers/mosquitto.ts';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const FRAMES = 10_000;
const DEVICES = 5;
const WINDOW_PER_DEVICE = 52;
const SITE = 'bench-site';
const T0 = Date.parse('2026-11-27T08:00:00.000Z');
const STALL_MS = 30_000;
const scheme = topicScheme('pretag/v1');

const frameId = (i: number): string => `bench-${String(i).padStart(6, '0')}`;
const deviceOf = (i: number): string => `orin-${i % DEVICES}`;

function message(i: number): { topic: string; payload: Buffer } {
  const id = frameId(i);
  const camera = `cam-${i % 50}`;
  const device = deviceOf(i);
  const capturedAt = new Date(T0 + i * 100).toISOString();
  return {
    topic: scheme.frame(SITE, device, camera),
    payload: encodePayload('frame', {
      v: 1,
      frameId: id,
      capturedAt,
      site: SITE,
      device,
      camera,
      blobKey: frameBlobKey({ site: SITE, camera, capturedAt, frameId: id }),
      width: 1280,
      height: 720,
      sha256: createHash('sha256').update(id).digest('hex'),
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
}

// ---- publisher thread -------------------------------------------------------------------------

interface PublisherData {
  role: 'ingest-publisher';
  url: string;
  /** Per device: MQTT user name and password (ignored by an anonymous broker). */
  logins: { device: string; username: string; password: string }[];
}
type ToPublisher = { go: true };
type FromPublisher = { ready: true } | { acked: number; done: boolean } | { error: string };

async function publisherThread(d: PublisherData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const clients: MqttClient[] = [];
  try {
    for (const l of d.logins)
      clients.push(
        await mqtt.connectAsync(d.url, {
          username: l.username,
          password: l.password,
          clientId: l.username,
          reconnectPeriod: 1_000,
        }),
      );
    const byDevice = d.logins.map((l) =>
      Array.from({ length: FRAMES }, (_, i) => i).filter((i) => deviceOf(i) === l.device),
    );
    const messages = Array.from({ length: FRAMES }, (_, i) => message(i));
    await new Promise<void>((resolve) => {
      port.once('message', (_m: ToPublisher) => resolve());
      port.postMessage({ ready: true } satisfies FromPublisher);
    });
    let acked = 0;
    const progress = setInterval(
      () => port.postMessage({ acked, done: false } satisfies FromPublisher),
      200,
    );
    await Promise.all(
      clients.map(async (c, k) => {
        const mine = byDevice[k] ?? [];
        let next = 0;
        // A bounded window of unacknowledged publishes, as an edge uplink keeps.
        const lane = async (): Promise<void> => {
          while (next < mine.length) {
            const m = messages[mine[next++] as number] as { topic: string; payload: Buffer };
            await c.publishAsync(m.topic, m.payload, { qos: 1 });
            acked++;
          }
        };
        await Promise.all(Array.from({ length: WINDOW_PER_DEVICE }, lane));
      }),
    );
    clearInterval(progress);
    port.postMessage({ acked, done: true } satisfies FromPublisher);
  } catch (err) {
    port.postMessage({ error: (err as Error).message } satisfies FromPublisher);
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
  }
}

if (!isMainThread && (workerData as PublisherData | undefined)?.role === 'ingest-publisher')
  await publisherThread(workerData as PublisherData);

// ---- hub side ---------------------------------------------------------------------------------

/** Throws unless the ledger holds every frame exactly once, with its job and edge detections. */
function checkLedger(ledger: Ledger): void {
  const ids = ledger.statement<[], string>('SELECT frame_id FROM frames').pluck().all();
  const want = new Set(Array.from({ length: FRAMES }, (_, i) => frameId(i)));
  const extra = ids.filter((id) => !want.delete(id));
  if (extra.length || want.size)
    throw new Error(
      `ledger frames: ${want.size} missing (${[...want].slice(0, 5).join(', ')}), ${extra.length} unexpected or repeated`,
    );
  const jobs = ledger.statement<[], number>('SELECT count(*) FROM jobs').pluck().get();
  const dets = ledger
    .statement<[], number>("SELECT count(*) FROM detections WHERE source = 'edge'")
    .pluck()
    .get();
  if (jobs !== FRAMES || dets !== 2 * FRAMES)
    throw new Error(`ledger: ${jobs} jobs and ${dets} edge detections for ${FRAMES} frames`);
}

/** Where the missing frames are: never acknowledged, acknowledged but never delivered, or refused. */
function stallReport(ingest: RunningIngest, acked: number, events: string[]): string {
  const m = ingest.metrics();
  const stored = m.frames.inserted + m.frames.duplicates;
  const bad = Object.entries(m.bad).filter(([, n]) => n > 0);
  return [
    `ingest stalled at ${stored} of ${FRAMES} frames for ${STALL_MS / 1000} s:`,
    `${acked} acknowledged by the broker,`,
    `${m.messages} delivered to ingest (${m.frames.received} frames),`,
    `${ingest.pending()} waiting in the batcher,`,
    `${m.frames.inserted} inserted, ${m.frames.duplicates} duplicates,`,
    `refused: ${bad.length ? JSON.stringify(Object.fromEntries(bad)) : 'none'};`,
    `ingest client ${ingest.client.connected ? 'connected' : 'not connected'},`,
    `events: ${events.length ? events.slice(0, 20).join('; ') : 'none'}`,
  ].join(' ');
}

interface Setup {
  broker: string;
  url: string;
  ingestLogin: { username?: string; password?: string };
  deviceLogins: PublisherData['logins'];
  /** Connection events worth naming when a run stalls. */
  events: string[];
  close(): Promise<void>;
}

async function throughput(setup: (ledger: Ledger) => Promise<Setup>): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-bench-ingest-'));
  const ledger = openLedger(path.join(dir, 'hub.db'));
  const s = await setup(ledger);
  let ingest: RunningIngest | undefined;
  let publisher: Worker | undefined;
  try {
    ingest = await startIngest({
      ledger,
      url: s.url,
      clientOptions: { ...s.ingestLogin, clientId: `${s.ingestLogin.username ?? 'hub'}-ingest` },
      maxItems: 200,
      maxWaitMs: 50,
    });
    const since = performance.now();
    const note = (what: string): void => {
      s.events.push(`${((performance.now() - since) / 1000).toFixed(1)} s ${what}`);
    };
    for (const e of ['offline', 'reconnect', 'close'] as const)
      ingest.client.on(e, () => note(`ingest client ${e}`));
    ingest.client.on('error', (err) => note(`ingest client error ${err.message}`));
    const data: PublisherData = { role: 'ingest-publisher', url: s.url, logins: s.deviceLogins };
    const w = new Worker(new URL(import.meta.url), { workerData: data });
    publisher = w;
    let acked = 0;
    let done = false;
    let failure: string | undefined;
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromPublisher) => {
        if ('ready' in m) resolve();
        else if ('error' in m) reject(new Error(`publisher: ${m.error}`));
      });
      w.once('error', reject);
    });
    w.on('message', (m: FromPublisher) => {
      if ('acked' in m) [acked, done] = [m.acked, m.done];
      else if ('error' in m) failure = m.error;
    });
    const t0 = performance.now();
    w.postMessage({ go: true } satisfies ToPublisher);
    let seen = 0;
    let lastProgress = performance.now();
    for (;;) {
      if (failure) throw new Error(`publisher: ${failure}`);
      const m = ingest.metrics();
      const n = m.frames.inserted + m.frames.duplicates;
      if (n >= FRAMES) break;
      if (n > seen) [seen, lastProgress] = [n, performance.now()];
      else if (performance.now() - lastProgress > STALL_MS)
        throw new Error(`${s.broker}: ${stallReport(ingest, acked, s.events)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const seconds = (performance.now() - t0) / 1000;
    while (!done && !failure) await new Promise((r) => setTimeout(r, 5));
    checkLedger(ledger);
    return FRAMES / seconds;
  } finally {
    await publisher?.terminate();
    await ingest?.close();
    await s.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const HUB_LOGIN = { username: 'pretag-hub-bench', password: 'bench-hub-secret-0123456789' };

/** The hub's embedded broker on a free port, devices added to the ledger's registry. */
async function embedded(ledger: Ledger): Promise<Setup> {
  // Bench-only hashing cost: connecting is not what is measured.
  const registry = new DeviceRegistry(ledger.db, {
    scrypt: { N: 1024, r: 8, p: 1, keyLength: 32 },
  });
  const deviceLogins: PublisherData['logins'] = [];
  for (let k = 0; k < DEVICES; k++) {
    const r = await registry.addDevice(SITE, `orin-${k}`);
    if (!r.ok) throw new Error(r.reason);
    deviceLogins.push({ device: `orin-${k}`, username: r.username, password: r.password });
  }
  const broker = await startBroker({
    port: 0,
    maxPacketBytes: 256 * 1024,
    registry,
    prefix: 'pretag/v1',
    hubCredentials: HUB_LOGIN,
    logger: pino({ level: 'warn' }),
  });
  const events: string[] = [];
  broker.aedes.on('clientDisconnect', (c) => events.push(`broker: ${c.id} disconnected`));
  broker.aedes.on('clientError', (c, e) => events.push(`broker: ${c.id} error ${e.message}`));
  return {
    broker: 'embedded aedes',
    url: `mqtt://127.0.0.1:${broker.port}`,
    ingestLogin: HUB_LOGIN,
    deviceLogins,
    events,
    close: () => broker.close(),
  };
}

// Mosquitto's defaults hold at most 1 000 QoS 1 messages per subscriber beyond the 20 in flight
// and silently drop the rest ("Outgoing messages are being dropped" at notice level): a burst
// faster than ingest writes loses frames the edges already deleted on PUBACK. The hub's broker
// needs the queue bounded by bytes instead (see the deployment notes).
export const MOSQUITTO_HUB_SETTINGS = [
  'max_inflight_messages 100',
  'max_queued_messages 0',
  'max_queued_bytes 1073741824',
  'set_tcp_nodelay true',
];

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

/** Debian's Mosquitto on a free loopback port with the hub settings (test/helpers' has none). */
async function mosquitto(): Promise<Setup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-bench-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false'];
  lines.push(...MOSQUITTO_HUB_SETTINGS, 'log_dest stderr', 'log_type warning', 'log_type notice');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const events: string[] = [];
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n'))
      if (/drop|denied|error/i.test(l)) events.push(`mosquitto: ${l.trim()}`);
  });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; !(await accepts(port)); i++) {
    if (i === 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    broker: 'Mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    ingestLogin: {},
    deviceLogins: Array.from({ length: DEVICES }, (_, k) => ({
      device: `orin-${k}`,
      username: `orin-${k}@${SITE}`,
      password: 'unused',
    })),
    events,
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const measure = (label: string, setup: (ledger: Ledger) => Promise<Setup>): Measure => ({
  label,
  run: () => throughput(setup),
});

export const ingest: Benchmark = {
  name: 'ingest',
  description: 'frames/s from five MQTT edge clients into the ledger: embedded aedes vs Mosquitto',
  media: [],
  cases(): Promise<BenchCase[]> {
    return Promise.resolve([
      {
        name: `${FRAMES} frames, QoS 1, ${DEVICES} devices`,
        unit: 'frames/s',
        baseline: measure('embedded aedes (hub broker: auth, ACL) → ingest → ledger', embedded),
        subject: measure('Mosquitto (external process) → ingest → ledger', mosquitto),
      },
    ]);
  },
};
