// Remote threshold overrides for devices: the hub keeps the last config it pushed to each device
// (aedes holds retained messages in memory only) and publishes it retained, QoS 1, on the
// device's config topic. On start every stored config is published again.
import type Database from 'better-sqlite3';
import { configPayloadSchema, PAYLOAD_VERSION } from '@pretag/shared/mqtt/payloads';
import type { CameraOverrides, ConfigPayload } from '@pretag/shared/mqtt/payloads';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';

/** Idempotent; beside the ledger's tables, like the device credentials. */
export const DEVICE_CONFIGS_DDL = `
CREATE TABLE IF NOT EXISTS hub_device_configs (
  site       TEXT NOT NULL,
  device     TEXT NOT NULL,
  payload    TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, device)
) STRICT`;

/** What the hub publishes with: its own MQTT client. */
export interface ConfigPublisher {
  publishAsync(topic: string, message: string, opts: { qos: 1; retain: true }): Promise<unknown>;
}

export type PushResult =
  | { ok: true; topic: string; payload: ConfigPayload }
  | { ok: false; status: 400 | 404 | 503; message: string };

export interface DeviceConfigs {
  /** Merges `overrides` into the camera's entry of the device's config and publishes it. */
  push(ref: DeviceRef, camera: string, overrides: CameraOverrides): Promise<PushResult>;
  get(ref: DeviceRef): ConfigPayload | undefined;
  /** Publishes every stored config again; returns how many. */
  republishAll(): Promise<number>;
}

export interface DeviceConfigsOptions {
  db: Database.Database;
  prefix: string;
  publisher: () => ConfigPublisher | undefined;
  /** True when the device is registered and not revoked. */
  deviceActive: (ref: DeviceRef) => boolean;
  now?: () => number;
}

/** The camera's entry with `overrides` laid over it (pure). */
export function mergeOverrides(
  current: ConfigPayload | undefined,
  ref: DeviceRef,
  camera: string,
  overrides: CameraOverrides,
  issuedAt: string,
): unknown {
  const cameras = { ...(current?.cameras ?? {}) };
  cameras[camera] = { ...(cameras[camera] ?? {}), ...overrides };
  return { v: PAYLOAD_VERSION, site: ref.site, device: ref.device, issuedAt, cameras };
}

export function createDeviceConfigs(o: DeviceConfigsOptions): DeviceConfigs {
  o.db.exec(DEVICE_CONFIGS_DDL);
  const scheme = topicScheme(o.prefix);
  const now = o.now ?? Date.now;
  const read = o.db.prepare<[string, string], { payload: string }>(
    'SELECT payload FROM hub_device_configs WHERE site = ? AND device = ?',
  );
  const all = o.db.prepare<[], { payload: string }>(
    'SELECT payload FROM hub_device_configs ORDER BY site, device',
  );
  const save = o.db.prepare<[string, string, string, number]>(
    `INSERT INTO hub_device_configs (site, device, payload, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (site, device) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at`,
  );
  const parse = (text: string): ConfigPayload | undefined => {
    try {
      const r = configPayloadSchema.safeParse(JSON.parse(text));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  };
  const get = (ref: DeviceRef) => {
    const row = read.get(ref.site, ref.device);
    return row ? parse(row.payload) : undefined;
  };

  return {
    get,
    async push(ref, camera, overrides) {
      if (!o.deviceActive(ref))
        return { ok: false, status: 404, message: `no active device ${ref.device}@${ref.site}` };
      const candidate = mergeOverrides(
        get(ref),
        ref,
        camera,
        overrides,
        new Date(now()).toISOString(),
      );
      const checked = configPayloadSchema.safeParse(candidate);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        return { ok: false, status: 400, message: `${where}${issue?.message ?? 'invalid config'}` };
      }
      const publisher = o.publisher();
      if (!publisher)
        return { ok: false, status: 503, message: 'the hub is not connected to its broker' };
      const topic = scheme.config(ref);
      const text = JSON.stringify(checked.data);
      await publisher.publishAsync(topic, text, { qos: 1, retain: true });
      save.run(ref.site, ref.device, text, now());
      return { ok: true, topic, payload: checked.data };
    },
    async republishAll() {
      const publisher = o.publisher();
      if (!publisher) return 0;
      let n = 0;
      for (const row of all.all()) {
        const p = parse(row.payload);
        if (!p || !o.deviceActive(p)) continue;
        await publisher.publishAsync(scheme.config(p), row.payload, { qos: 1, retain: true });
        n++;
      }
      return n;
    },
  };
}
