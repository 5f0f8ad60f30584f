// MQTT ingest: subscribes to the hub filters, classifies every message, batches good frames into
// the ledger, tracks device status and stores edge counters. Idempotent on frameId (the ledger
// drops duplicates). A bad message is counted and logged once per reason and device.
//
// Delivery: a device frame is acknowledged only once its ledger transaction has committed, so a
// hub stopped or killed at any moment loses nothing. On the hub's embedded broker, frames come
// through the broker's intake (broker/intake.ts) and the device's PUBACK waits for the commit;
// the edge resends what was not acknowledged. On an external broker the hub keeps a persistent
// session (ingest/session.ts) and its own PUBACK to the broker waits for the commit
// (ack-after-commit.ts, group commit once per event-loop turn): the broker keeps what was not
// acknowledged and delivers it again when the hub reconnects. A frame the ledger could not store
// (disk full) is not acknowledged either; ingest then reconnects so the broker redelivers it. A
// message that can never be good (bad payload, unknown camera) is acknowledged and counted.
import mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { Logger } from '@pretag/shared/log/logger';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { intakePortFor } from '../broker/intake.ts';
import type { FrameIntake, IntakeOutcome } from '../broker/intake.ts';
import type { IngestItem, Ledger } from '../ledger/index.ts';
import { classifyMessage } from './classify.ts';
import type { ClassifyOptions } from './classify.ts';
import { ackAfterCommit } from './ack-after-commit.ts';
import type { AckAfterCommit } from './ack-after-commit.ts';
import { createDeviceDirectory } from './device-status.ts';
import type { DeviceDirectory } from './device-status.ts';
import { createFrameBatcher } from './frame-batcher.ts';
import { copyMetrics, createOnceFilter, emptyMetrics } from './metrics.ts';
import type { IngestMetrics } from './metrics.ts';

export interface IngestOptions {
  ledger: Ledger;
  /** Broker URL (mqtt://127.0.0.1:1883) and client options, or a connected client to use. */
  url?: string;
  clientOptions?: IClientOptions;
  client?: MqttClient;
  prefix?: string;
  /** Frames per ledger transaction (default 200) and the longest wait before one (default 50 ms). */
  maxItems?: number;
  maxWaitMs?: number;
  maxBytes?: ClassifyOptions['maxBytes'];
  /** Refuse frames from cameras the device has not announced (default true). */
  checkCameras?: boolean;
  logger?: Pick<Logger, 'warn' | 'info'>;
  now?: () => number;
}

export interface RunningIngest {
  readonly client: MqttClient;
  readonly devices: DeviceDirectory;
  metrics(): IngestMetrics;
  /** Frames received and not yet written. */
  pending(): number;
  /** Writes frames waiting in the batch now. */
  flush(): void;
  close(): Promise<void>;
}

/** Resolves on the client's first CONNACK; rejects on its first error (as mqtt.connectAsync). */
function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      client.off('connect', onConnect);
      client.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = (): void => done();
    client.on('connect', onConnect);
    client.on('error', done);
  });
}

export async function startIngest(o: IngestOptions): Promise<RunningIngest> {
  const scheme = topicScheme(o.prefix);
  const now = o.now ?? Date.now;
  const metrics = emptyMetrics();
  const devices = createDeviceDirectory();
  const once = createOnceFilter();
  const checkCameras = o.checkCameras ?? true;
  const classifyOptions: ClassifyOptions = {
    scheme,
    ...(o.maxBytes && { maxBytes: o.maxBytes }),
    ...(checkCameras && {
      cameraKnown: (site: string, device: string, camera: string) =>
        devices.cameraKnown(site, device, camera),
    }),
  };
  const warnOnce = (reason: string, device: string, detail: string): void => {
    if (once(reason, device))
      o.logger?.warn({ reason, device, detail }, 'ingest refused a message');
  };

  // Intake frames waiting for their transaction, and what to tell the broker then.
  const settle = new Map<IngestItem, (outcome: IntakeOutcome) => void>();
  let closed = false;
  let soon: NodeJS.Immediate | undefined;

  const batcher = createFrameBatcher({
    maxItems: o.maxItems ?? 200,
    maxWaitMs: o.maxWaitMs ?? 50,
    write: (items) => o.ledger.frames.ingestMany(items),
    onResults(items, results) {
      metrics.flushes++;
      results.forEach((r, i) => {
        const item = items[i];
        const done = item && settle.get(item);
        if (item && done) {
          settle.delete(item);
          // Not stored (disk full, say): the edge keeps the frame and sends it again.
          done(r.status === 'error' ? 'closed' : 'stored');
        }
        if (r.status === 'inserted') metrics.frames.inserted++;
        else if (r.status === 'duplicate') {
          metrics.frames.duplicates++;
          if (r.conflict) metrics.frames.conflicts++;
        } else {
          metrics.bad['not-stored']++;
          const p = items[i]?.payload;
          warnOnce('not-stored', p ? `${p.site}/${p.device}` : '?', r.error);
        }
      });
    },
  });

  const handle = (
    topic: string,
    payload: Buffer,
    onSettled?: (outcome: IntakeOutcome) => void,
  ): void => {
    metrics.messages++;
    let item: IngestItem | undefined;
    try {
      const c = classifyMessage(topic, payload, classifyOptions);
      if (c.kind === 'bad') {
        metrics.bad[c.reason]++;
        warnOnce(c.reason, c.device, c.detail);
        onSettled?.('refused');
      } else if (c.kind === 'frame') {
        metrics.frames.received++;
        item = { payload: c.value, receivedAt: now() };
        // Before add: a full batch is written inside add().
        if (onSettled) settle.set(item, onSettled);
        batcher.add(item);
        if (onSettled) {
          // A device (or the external broker) waits for this commit before it sends more: write
          // once the frames that arrived in this turn of the event loop are in (group commit),
          // not after maxWaitMs.
          soon ??= setImmediate(() => {
            soon = undefined;
            batcher.flush();
          });
        }
      } else if (c.kind === 'status') {
        metrics.status++;
        devices.update(c.value, now());
        onSettled?.('stored');
      } else {
        metrics.stats++;
        o.ledger.edgeStats.record(c.value);
        onSettled?.('stored');
      }
    } catch (err) {
      // The ledger refusing a write (disk full, locked) must not take the subscriber down.
      metrics.bad['not-stored']++;
      warnOnce('not-stored', '?', (err as Error).message);
      // Whatever was not settled is not stored: the edge keeps it and sends it again.
      const waiting = item && settle.get(item);
      if (item && waiting) settle.delete(item);
      if (waiting || (onSettled && !item)) onSettled?.('closed');
    }
  };
  let acks: AckAfterCommit | undefined;
  const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void =>
    handle(topic, payload, acks?.hold(packet));
  const intake: FrameIntake = (topic, payload) =>
    closed
      ? Promise.resolve('closed')
      : new Promise((resolve) => {
          handle(topic, payload, resolve);
        });

  // Listening before CONNACK: a persistent session's queued messages arrive right after it.
  const client =
    o.client ??
    mqtt.connect(o.url ?? 'mqtt://127.0.0.1:1883', { reconnectPeriod: 1_000, ...o.clientOptions });
  try {
    acks = ackAfterCommit(client, {
      onRedeliver: () =>
        o.logger?.warn(
          { reason: 'not-stored' },
          'ingest reconnects so the broker delivers the frames it could not store again',
        ),
    });
    client.on('message', onMessage);
    if (!o.client) await connected(client);
  } catch (err) {
    client.removeListener('message', onMessage);
    acks?.release();
    if (!o.client) await client.endAsync(true);
    throw err;
  }
  const f = scheme.hubFilters;
  await client.subscribeAsync({
    [f.frame]: { qos: 1 },
    [f.status]: { qos: 1 },
    [f.stats]: { qos: 0 },
  });
  o.logger?.info({ filters: f }, 'ingest subscribed');
  // The embedded broker of this hub, when that is what the client talks to.
  const port = intakePortFor(client.options.username, client.options.port);
  port?.attach(intake);

  return {
    client,
    devices,
    metrics: () => copyMetrics(metrics),
    pending: () => batcher.pending(),
    flush: () => batcher.flush(),
    async close() {
      // From here the broker refuses device frames (edges resend them to the next hub); what
      // is waiting is written and acknowledged.
      closed = true;
      port?.detach(intake);
      if (soon) clearImmediate(soon);
      batcher.close();
      client.removeListener('message', onMessage);
      acks.release();
      for (const done of settle.values()) done('closed');
      settle.clear();
      if (!o.client) await client.endAsync();
    },
  };
}
