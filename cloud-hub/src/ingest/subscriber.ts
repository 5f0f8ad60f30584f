// MQTT ingest: subscribes to the hub filters, classifies every message, batches good frames into
// the ledger, tracks device status and stores edge counters. Idempotent on frameId (the ledger
// drops duplicates). A bad message is counted and logged once per reason and device.
//
// Delivery: messages are acknowledged when they arrive and written within maxWaitMs (or
// maxItems). A hub killed inside that window loses those frames from this subscription; the
// edge's spool keeps each frame until the hub has it, so a resend after reconnect restores it.
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '@pretag/shared/log/logger';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import type { Ledger } from '../ledger/index.ts';
import { classifyMessage } from './classify.ts';
import type { ClassifyOptions } from './classify.ts';
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
  /** Writes frames waiting in the batch now. */
  flush(): void;
  close(): Promise<void>;
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

  const batcher = createFrameBatcher({
    maxItems: o.maxItems ?? 200,
    maxWaitMs: o.maxWaitMs ?? 50,
    write: (items) => o.ledger.frames.ingestMany(items),
    onResults(items, results) {
      metrics.flushes++;
      results.forEach((r, i) => {
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

  const onMessage = (topic: string, payload: Buffer): void => {
    metrics.messages++;
    try {
      const c = classifyMessage(topic, payload, classifyOptions);
      if (c.kind === 'bad') {
        metrics.bad[c.reason]++;
        warnOnce(c.reason, c.device, c.detail);
      } else if (c.kind === 'frame') {
        metrics.frames.received++;
        batcher.add({ payload: c.value, receivedAt: now() });
      } else if (c.kind === 'status') {
        metrics.status++;
        devices.update(c.value, now());
      } else {
        metrics.stats++;
        o.ledger.edgeStats.record(c.value);
      }
    } catch (err) {
      // The ledger refusing a write (disk full, locked) must not take the subscriber down.
      metrics.bad['not-stored']++;
      warnOnce('not-stored', '?', (err as Error).message);
    }
  };

  const client =
    o.client ??
    (await mqtt.connectAsync(o.url ?? 'mqtt://127.0.0.1:1883', {
      reconnectPeriod: 1_000,
      ...o.clientOptions,
    }));
  client.on('message', onMessage);
  const f = scheme.hubFilters;
  await client.subscribeAsync({
    [f.frame]: { qos: 1 },
    [f.status]: { qos: 1 },
    [f.stats]: { qos: 0 },
  });
  o.logger?.info({ filters: f }, 'ingest subscribed');

  return {
    client,
    devices,
    metrics: () => copyMetrics(metrics),
    flush: () => batcher.flush(),
    async close() {
      client.removeListener('message', onMessage);
      batcher.close();
      if (!o.client) await client.endAsync();
    },
  };
}
