// Drains the spool to the hub: for each frame, oldest first, the JPEG goes to the blob store, then
// the metadata is published over MQTT with QoS 1. The spool forgets a frame only when both are
// acknowledged (blob put resolved, PUBACK received), so a crash anywhere leaves it to be sent
// again; QoS 1 may deliver a frame twice, which the hub's ingest absorbs (idempotent on frameId).
// The MQTT session is persistent (clean: false, a stable clientId per device) with a retained
// last-will `offline` on the status topic; a clean stop() publishes `offline` itself.
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { BlobStore, PutOptions } from '@pretag/shared/blob/store';
import { BlobKeyError } from '@pretag/shared/blob/keys';
import {
  PayloadError,
  decodePayload,
  encodePayload,
  topicMismatch,
} from '@pretag/shared/mqtt/payloads';
import type { CameraCounters, ConfigPayload } from '@pretag/shared/mqtt/payloads';
import { DEFAULT_TOPIC_PREFIX, TOPIC_DELIVERY, topicScheme } from '@pretag/shared/mqtt/topics';
import type { TopicScheme } from '@pretag/shared/mqtt/topics';
import type { Spool, SpoolItem } from '../spool/spool.ts';
import { SpoolError } from '../spool/errors.ts';
import { statsPayload, statusPayload } from './status.ts';
import type { DeviceFacts } from './status.ts';
import { BandwidthCap } from './token-bucket.ts';

export interface UplinkLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: UplinkLog = { info() {}, warn() {}, error() {} };

export interface UplinkMqttOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string;
  username?: string;
  password?: string;
  /** Stable per device so the broker keeps the session; default the user name, else `{device}@{site}`. */
  clientId?: string;
  /** First reconnect delay; doubles (with jitter) up to reconnectMaxMs while the broker is away. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  /** Extra mqtt.js options (TLS material and the like). */
  extra?: Partial<IClientOptions>;
}

export interface UplinkOptions extends DeviceFacts {
  spool: Spool;
  blobs: BlobStore;
  mqtt: UplinkMqttOptions;
  prefix?: string;
  /** Frames in flight at once; 1 (the default) keeps capture order. */
  concurrency?: number;
  /** Optional cap on blob upload bytes per second (burst defaults to one second's worth). */
  bandwidth?: { bytesPerS: number; burstBytes?: number };
  /** Period of stats messages; 0 or no `countersProvider` turns them off. */
  statsIntervalMs?: number;
  /** Per-camera counters since the previous call, for the stats topic. */
  countersProvider?: () => Record<string, CameraCounters>;
  /** Validated remote overrides from the device's config topic. */
  onRemoteConfig?: (config: ConfigPayload) => void;
  /** Wait for a PUBACK at most this long before counting the publish as failed. */
  publishTimeoutMs?: number;
  /** How often to look at the spool when idle (accepting a frame may also call notify()). */
  idlePollMs?: number;
  /** stop() waits at most this long for the in-flight frame before abandoning it. */
  stopGraceMs?: number;
  log?: UplinkLog;
  clock?: () => number;
}

export interface UplinkCounters {
  /** Frames fully delivered (blob and metadata acknowledged) and removed from the spool. */
  uploaded: number;
  blobFailures: number;
  publishFailures: number;
  /** JPEG bytes the blob store accepted. */
  bytesSent: number;
  /** Frames in the spool right now. */
  queueDepth: number;
  /** Config messages that failed validation. */
  badConfig: number;
  /** Frames dropped while sending (damaged spool file). */
  corrupt: number;
  connected: boolean;
}

class Abandoned extends Error {
  override name = 'Abandoned';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Errors that say the hub as a whole is away or refusing (network, auth, broker): hold the whole
 * queue. Errors about this one frame (bad key, conflict, invalid payload) only delay the frame.
 */
function isGlobal(e: unknown): boolean {
  if (e instanceof BlobKeyError || e instanceof PayloadError || e instanceof TypeError)
    return false;
  const kind = (e as { kind?: unknown } | undefined)?.kind;
  return !(kind === 'conflict' || kind === 'request' || kind === 'integrity');
}

export class Uplink {
  readonly #o: UplinkOptions;
  readonly #log: UplinkLog;
  readonly #clock: () => number;
  readonly #topics: TopicScheme;
  readonly #statusTopic: string;
  readonly #configTopic: string;
  readonly #cap: BandwidthCap | undefined;
  readonly #startedAt: number;
  readonly #inFlight = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #badReasons = new Set<string>();
  readonly #stop = new AbortController();
  #client: MqttClient | undefined;
  #wake: (() => void) | undefined;
  #pauseUntil = 0;
  #loop: Promise<void> | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #statsFrom: number;
  #stopped: Promise<void> | undefined;
  #sessionPresent = false;
  #stopTaking = false;
  #counters = {
    uploaded: 0,
    blobFailures: 0,
    publishFailures: 0,
    bytesSent: 0,
    badConfig: 0,
    corrupt: 0,
  };

  constructor(options: UplinkOptions) {
    this.#o = options;
    this.#log = options.log ?? silent;
    this.#clock = options.clock ?? Date.now;
    this.#topics = topicScheme(options.prefix ?? DEFAULT_TOPIC_PREFIX);
    const ref = { site: options.site, device: options.device };
    this.#statusTopic = this.#topics.status(ref);
    this.#configTopic = this.#topics.config(ref);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new TypeError('uplink concurrency must be an integer from 1 to 64');
    this.#cap = options.bandwidth
      ? new BandwidthCap(
          {
            rate: options.bandwidth.bytesPerS,
            burst: options.bandwidth.burstBytes ?? options.bandwidth.bytesPerS,
          },
          this.#clock,
        )
      : undefined;
    this.#startedAt = this.#clock();
    this.#statsFrom = this.#startedAt;
  }

  get clientId(): string {
    // The hub broker binds client ids to the account: the user name, or `{device}@{site}`.
    return this.#o.mqtt.clientId ?? this.#o.mqtt.username ?? `${this.#o.device}@${this.#o.site}`;
  }

  /** True when the broker still held this device's session at the last connect. */
  get sessionPresent(): boolean {
    return this.#sessionPresent;
  }

  counters(): UplinkCounters {
    let queueDepth: number;
    try {
      queueDepth = this.#o.spool.stats().items;
    } catch {
      queueDepth = 0; // spool closed
    }
    return { ...this.#counters, queueDepth, connected: this.#client?.connected ?? false };
  }

  /** Connect and start draining. Returns at once; the broker may come later. */
  start(): void {
    if (this.#client) throw new Error('uplink already started');
    const m = this.#o.mqtt;
    const minMs = m.reconnectMinMs ?? 1_000;
    const maxMs = Math.max(minMs, m.reconnectMaxMs ?? 60_000);
    const client = connect(m.url, {
      ...m.extra,
      clientId: this.clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: minMs,
      connectTimeout: m.connectTimeoutMs ?? 30_000,
      keepalive: m.keepaliveS ?? 30,
      ...(m.username !== undefined ? { username: m.username } : {}),
      ...(m.password !== undefined ? { password: m.password } : {}),
      will: this.#will(),
    });
    this.#client = client;
    client.on('connect', (connack) => {
      this.#sessionPresent = connack.sessionPresent;
      client.options.reconnectPeriod = minMs;
      this.#log.info({ sessionPresent: connack.sessionPresent }, 'connected to the MQTT broker');
      this.#publishStatus('online').catch((e: unknown) =>
        this.#log.warn({ err: errorText(e) }, 'could not publish online status'),
      );
      this.#kick();
    });
    client.on('close', () => {
      // Exponential backoff with jitter between reconnects while the broker stays away.
      const next = Math.min(maxMs, (client.options.reconnectPeriod ?? minMs) * 2);
      client.options.reconnectPeriod = Math.round(next / 2 + (Math.random() * next) / 2);
    });
    client.on('reconnect', () => {
      client.options.will = this.#will();
    });
    client.on('error', (e) => this.#log.warn({ err: e.message }, 'MQTT error'));
    client.on('message', (topic, payload) => this.#onMessage(topic, payload));
    client.subscribe(this.#configTopic, { qos: 1 }, (err) => {
      if (err) this.#log.warn({ err: err.message }, 'could not subscribe to the config topic');
    });
    const every = this.#o.statsIntervalMs ?? 60_000;
    if (this.#o.countersProvider && every > 0) {
      this.#statsTimer = setInterval(() => this.#sendStats(), every);
      this.#statsTimer.unref();
    }
    this.#loop = this.#run();
  }

  /** A frame was accepted: look at the spool now instead of at the next poll. */
  notify(): void {
    this.#kick();
  }

  #will(): NonNullable<IClientOptions['will']> {
    const d = TOPIC_DELIVERY.status;
    return {
      topic: this.#statusTopic,
      payload: encodePayload('status', this.#status('offline')),
      qos: d.qos,
      retain: d.retain,
    };
  }

  #status(state: 'online' | 'offline') {
    const now = this.#clock();
    return statusPayload(this.#o, state, (now - this.#startedAt) / 1000, now);
  }

  #publishStatus(state: 'online' | 'offline'): Promise<void> {
    const d = TOPIC_DELIVERY.status;
    return this.#publish(
      this.#statusTopic,
      encodePayload('status', this.#status(state)),
      d.qos,
      d.retain,
    );
  }

  #sendStats(): void {
    const client = this.#client;
    const provider = this.#o.countersProvider;
    if (!client?.connected || !provider) return;
    const now = this.#clock();
    try {
      const body = encodePayload('stats', statsPayload(this.#o, this.#statsFrom, now, provider()));
      this.#statsFrom = now;
      client.publish(this.#topics.stats(this.#o), body, { qos: TOPIC_DELIVERY.stats.qos });
    } catch (e) {
      this.#log.warn({ err: errorText(e) }, 'stats message not sent');
    }
  }

  #onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.#configTopic) return;
    const r = decodePayload('config', payload);
    const parsed = this.#topics.parse(topic);
    const reason = !r.ok
      ? r.reason
      : parsed.ok
        ? topicMismatch(parsed.topic, 'config', r.value)
        : parsed.reason;
    if (reason !== undefined || !r.ok) {
      this.#counters.badConfig++;
      const why = reason ?? 'invalid';
      // Logged once per distinct reason; a misbehaving sender cannot flood the log.
      if (!this.#badReasons.has(why) && this.#badReasons.size < 100) {
        this.#badReasons.add(why);
        this.#log.warn({ topic, reason: why }, 'ignored a bad remote config message');
      }
      return;
    }
    try {
      this.#o.onRemoteConfig?.(r.value);
    } catch (e) {
      this.#log.error({ err: errorText(e) }, 'remote config handler failed');
    }
  }

  /** QoS 1 publish that resolves on PUBACK, fails on error, timeout or stop. */
  #publish(
    topic: string,
    body: Buffer,
    qos: 0 | 1,
    retain: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const client = this.#client;
    if (!client) return Promise.reject(new Error('uplink not started'));
    const timeoutMs = this.#o.publishTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no PUBACK within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Abandoned('stopped while waiting for PUBACK'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      client.publish(topic, body, { qos, retain }, (err) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  #kick(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Sleep until woken, the delay passes, or stop. */
  async #idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    const concurrency = this.#o.concurrency ?? 1;
    const poll = this.#o.idlePollMs ?? 500;
    while (!this.#stop.signal.aborted && !this.#stopTaking) {
      const now = this.#clock();
      if (now < this.#pauseUntil) {
        await this.#idle(Math.min(poll, this.#pauseUntil - now));
        continue;
      }
      if (this.#inFlight.size >= concurrency) {
        await this.#idle(poll);
        continue;
      }
      let item: SpoolItem | undefined;
      try {
        item = this.#o.spool.next(now, this.#inFlight);
      } catch (e) {
        if (e instanceof SpoolError && e.code === 'closed') break;
        this.#log.error({ err: errorText(e) }, 'spool read failed');
        await this.#idle(poll);
        continue;
      }
      if (!item) {
        await this.#idle(poll);
        continue;
      }
      const id = item.frameId;
      this.#inFlight.add(id);
      const task = this.#deliver(item).finally(() => {
        this.#inFlight.delete(id);
        this.#tasks.delete(task);
        this.#kick();
      });
      this.#tasks.add(task);
    }
  }

  async #waitConnected(): Promise<MqttClient> {
    const client = this.#client;
    if (!client) throw new Error('uplink not started');
    while (!client.connected) {
      if (this.#stop.signal.aborted) throw new Abandoned('stopping');
      await new Promise<void>((resolve) => {
        const done = () => {
          client.off('connect', done);
          this.#stop.signal.removeEventListener('abort', done);
          resolve();
        };
        client.once('connect', done);
        this.#stop.signal.addEventListener('abort', done, { once: true });
      });
    }
    return client;
  }

  async #deliver(item: SpoolItem): Promise<void> {
    const spool = this.#o.spool;
    const signal = this.#stop.signal;
    let step: 'blob' | 'publish' = 'blob';
    try {
      if (!item.blobUploaded) {
        const jpeg = await spool.readJpeg(item.frameId);
        await this.#cap?.take(jpeg.byteLength, signal);
        const opts: PutOptions & { abortSignal: AbortSignal } = {
          contentType: 'image/jpeg',
          abortSignal: signal,
        };
        await this.#o.blobs.put(item.frame.blobKey, jpeg, opts);
        this.#counters.bytesSent += jpeg.byteLength;
        if (spool.markBlobUploaded(item.frameId) === 'unknown') return;
      }
      step = 'publish';
      await this.#waitConnected();
      const d = TOPIC_DELIVERY.frame;
      const topic = this.#topics.frame(item.frame.site, item.frame.device, item.frame.camera);
      await this.#publish(topic, encodePayload('frame', item.frame), d.qos, d.retain, signal);
      if (spool.markPublished(item.frameId) === 'deleted') this.#counters.uploaded++;
    } catch (e) {
      if (e instanceof SpoolError && e.code === 'corrupt') {
        this.#counters.corrupt++; // the spool dropped and logged it
        return;
      }
      if (e instanceof SpoolError && e.code === 'closed') return;
      if (signal.aborted) return; // abandoned on stop: it stays in the spool as it is
      if (step === 'blob') this.#counters.blobFailures++;
      else this.#counters.publishFailures++;
      let retry;
      try {
        retry = spool.retryLater(item.frameId, e);
      } catch {
        return; // spool closed under us
      }
      const delayMs = retry?.delayMs ?? 1_000;
      // Hold the whole queue when the hub itself is away, so frames still go in capture order.
      if (isGlobal(e)) this.#pauseUntil = Math.max(this.#pauseUntil, this.#clock() + delayMs);
      this.#log.warn(
        { frameId: item.frameId, step, attempts: retry?.attempts, delayMs, err: errorText(e) },
        `frame ${step === 'blob' ? 'upload' : 'publish'} failed; will retry`,
      );
    }
  }

  /**
   * Clean shutdown: stop taking frames, give the one in flight `stopGraceMs` to finish (else it
   * is abandoned and stays spooled), publish a retained `offline` status, disconnect gracefully
   * (so the broker does not send the last will), and resolve. The spool stays open.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.#statsTimer) clearInterval(this.#statsTimer);
      this.#stopTaking = true;
      this.#kick();
      await this.#loop;
      // Let frames in flight finish; after the grace period, abort them (they stay spooled).
      const grace = this.#o.stopGraceMs ?? 10_000;
      // Without a broker nothing in flight can finish: abandon at once.
      const wait = this.#client?.connected ? grace : 0;
      const timer = setTimeout(() => this.#stop.abort(new Abandoned('stopped')), wait);
      await Promise.allSettled([...this.#tasks]);
      clearTimeout(timer);
      this.#stop.abort(new Abandoned('stopped'));
      const client = this.#client;
      if (!client) return;
      if (client.connected) {
        try {
          await this.#publishStatus('offline');
        } catch (e) {
          this.#log.warn({ err: errorText(e) }, 'could not publish offline status');
        }
      }
      // A graceful DISCONNECT (no last will); forced if the broker does not let us go in time.
      const forced = setTimeout(() => client.end(true), grace);
      await client.endAsync(!client.connected);
      clearTimeout(forced);
    })();
    return this.#stopped;
  }
}
