// The whole hub in-process from a real hub.yaml (free ports, temp dir): devices added with the
// CLI as a subprocess, a real mqtt.js device using the printed bundle, real HTTP, the packaged
// cloud detector, live reload, config pushes, retention and revocation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPayloadSchema } from '@pretag/shared/mqtt/payloads';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { DeviceBundle } from '../../../cloud-hub/src/hub/bundle.ts';
import { DAY_MS, runRetention } from '../../../cloud-hub/src/retention/index.ts';
import { needMedia } from '../../helpers/media.ts';
import {
  OPERATOR_TOKEN,
  eventually,
  framePayload,
  publishOnline,
  hubDir,
  pretag,
} from './helpers.ts';
import type { HubDir } from './helpers.ts';

const SITE = 'dublin-plant-2';
const DEVICE = 'orin-07';
const CAMERA = 'dock-door-3';
const scheme = topicScheme('pretag/v1');
const photo = needMedia('images/darknet-nogt/person.jpg');

let h: HubDir;
let hub: RunningHub;
let bundle: DeviceBundle;
let dev: MqttClient;
const logLines: string[] = [];
const printed: string[] = [];

// Detections land in ~seconds on CPU; batches of two frames close as soon as both are detected.
const BASE = [
  'cleanup:',
  '  defaults:',
  '    min_score: 0.3',
  'batches: { group_by: every-n, size: 2 }',
  'qa: { min_per_batch: 1, rate: 0.5 }',
].join('\n');

async function start(): Promise<RunningHub> {
  return startHub({
    configFile: h.configFile,
    logger: pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) }),
    print: (l) => printed.push(l),
    batchIntervalMs: 100,
    reloadDebounceMs: 50,
  });
}

const api = async (
  method: string,
  url: string,
  opts: { token?: string; body?: Buffer | object; type?: string } = {},
): Promise<{ status: number; json: unknown }> => {
  const isBuffer = Buffer.isBuffer(opts.body);
  const res = await fetch(`http://127.0.0.1:${h.apiPort}${url}`, {
    method,
    headers: {
      ...(opts.token !== undefined && { authorization: `Bearer ${opts.token}` }),
      ...(opts.body !== undefined && {
        'content-type': opts.type ?? (isBuffer ? 'image/jpeg' : 'application/json'),
      }),
    },
    ...(opts.body !== undefined && {
      body: isBuffer ? new Uint8Array(opts.body as Buffer) : JSON.stringify(opts.body),
    }),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json };
};

interface FrameDetail {
  state: string;
  detections: {
    cloud: { label: string; score: number; kept: boolean | null; dropReason: string | null }[];
  };
}

/** PUTs the JPEG with the device's token and publishes its frame; returns the frame id. */
async function sendFrame(frameId: string, jpeg: Buffer): Promise<string> {
  const meta = await sharp(jpeg).metadata();
  const f = framePayload({
    site: SITE,
    device: DEVICE,
    camera: CAMERA,
    frameId,
    jpeg,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
  });
  const put = await api('PUT', `/v1/blobs/${f.blobKey}`, { token: bundle.apiToken, body: jpeg });
  expect(put.status).toBe(201);
  await dev.publishAsync(scheme.frame(SITE, DEVICE, CAMERA), JSON.stringify(f), { qos: 1 });
  return frameId;
}

async function detected(frameId: string): Promise<FrameDetail> {
  return eventually(`cloud detections of ${frameId}`, async () => {
    const r = await api('GET', `/v1/frames/${frameId}`, { token: OPERATOR_TOKEN });
    const d = r.json as FrameDetail;
    return r.status === 200 && d.state !== 'pending' ? d : undefined;
  });
}

function connectDevice(clientSuffix = ''): Promise<MqttClient> {
  return mqtt.connectAsync(bundle.mqtt.url, {
    username: bundle.mqtt.username,
    password: bundle.mqtt.password,
    clientId: `${bundle.mqtt.username}${clientSuffix}`,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
}

beforeAll(async () => {
  h = await hubDir();
  h.writeConfig(BASE);
  hub = await start();
}, 60_000);

afterAll(async () => {
  await dev?.endAsync().catch(() => undefined);
  await hub?.close();
  h?.remove();
});

describe('pretag hub (in-process, real parts)', () => {
  it('prints one line per listener and where data lives', () => {
    expect(printed.find((l) => l.startsWith('API'))).toContain(`http://127.0.0.1:${h.apiPort}`);
    expect(printed.find((l) => l.startsWith('MQTT'))).toContain(`mqtt://127.0.0.1:${h.mqttPort}`);
    expect(printed.find((l) => l.startsWith('data'))).toContain(path.join(h.dir, 'data'));
  });

  it('device add prints a bundle a Jetson can use; a second add of the same id is refused', async () => {
    const out = path.join(h.dir, 'bundle.json');
    const r = await pretag([
      'hub',
      'device',
      'add',
      SITE,
      DEVICE,
      '--config',
      h.configFile,
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/problem/);
    expect(r.code).toBe(0);
    bundle = JSON.parse(r.stdout) as DeviceBundle;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(bundle);
    expect(bundle.mqtt.url).toBe(`mqtt://127.0.0.1:${h.mqttPort}`);
    expect(bundle.mqtt.username).toBe(`${DEVICE}@${SITE}`);
    expect(bundle.mqtt.password.length).toBeGreaterThanOrEqual(32);
    expect(bundle.blob).toEqual({ url: `http://127.0.0.1:${h.apiPort}` });
    expect(bundle.prefix).toBe('pretag/v1');
    expect(bundle.edgeYaml).toContain(`device: ${DEVICE}`);

    const again = await pretag(['hub', 'device', 'add', SITE, DEVICE, '--config', h.configFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const bad = await pretag(['hub', 'device', 'add', SITE, 'no/slash', '--config', h.configFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/device id "no\/slash"/);
  }, 60_000);

  it('device list shows the device and no secrets, as a table and as JSON', async () => {
    const table = await pretag(['hub', 'device', 'list', '--config', h.configFile]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`${SITE}\\s+${DEVICE}\\s+${DEVICE}@${SITE}\\s+\\S+\\s+active`),
    );
    const json = await pretag(['hub', 'device', 'list', '--json', '--config', h.configFile]);
    const list = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(
      ['createdAt', 'device', 'revokedAt', 'site', 'username'].sort(),
    );
    for (const out of [table.stdout, json.stdout]) expect(out).not.toContain(bundle.mqtt.password);
  }, 60_000);

  it('a device with the bundle credentials uploads a frame that shows up in GET /v1/frames', async () => {
    dev = await connectDevice();
    await publishOnline(dev, scheme, { site: SITE, device: DEVICE, camera: CAMERA });
    const jpeg = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } },
    })
      .jpeg()
      .toBuffer();
    await sendFrame('plain-0001', jpeg);
    const listed = await eventually('the frame in GET /v1/frames', async () => {
      const r = await api('GET', `/v1/frames?site=${SITE}&camera=${CAMERA}`, {
        token: OPERATOR_TOKEN,
      });
      const items = (r.json as { items: { frameId: string; device: string }[] }).items;
      return items.find((f) => f.frameId === 'plain-0001');
    });
    expect(listed.device).toBe(DEVICE);
    // A flat green picture holds no objects: detection completes with nothing kept.
    const d = await detected('plain-0001');
    expect(d.state).toBe('detected');
    expect(d.detections.cloud.filter((x) => x.kept)).toEqual([]);
  }, 120_000);

  describe.skipIf(!photo.ok)('with a real photo (person, dog, horse)', () => {
    it('cloud detections find the person; a live reload of min_score drops it on the next frame', async () => {
      const jpeg = readFileSync(photo.paths[0] as string);
      await sendFrame('photo-0001', jpeg);
      const first = await detected('photo-0001');
      const people = first.detections.cloud.filter((x) => x.label === 'person' && x.kept);
      expect(people.length).toBeGreaterThanOrEqual(1);

      // Raise the cleanup threshold above any score: no restart, the next frame keeps nothing.
      h.writeConfig(BASE.replace('min_score: 0.3', 'min_score: 0.999'));
      await eventually('the reload', () =>
        hub.config().cleanup.defaults.min_score === 0.999 ? true : undefined,
      );
      await sendFrame('photo-0002', jpeg);
      const second = await detected('photo-0002');
      expect(second.detections.cloud.length).toBeGreaterThan(0);
      expect(second.detections.cloud.filter((x) => x.kept)).toEqual([]);

      // Two frames detected: the every-2 batch closed and got its QA sample.
      const batches = await eventually('a ready batch', async () => {
        const r = await api('GET', '/v1/batches', { token: OPERATOR_TOKEN });
        const items = (r.json as { items: { id: string; status: string }[] }).items;
        return items.some((b) => b.status === 'ready') ? items : undefined;
      });
      expect(batches.length).toBeGreaterThanOrEqual(1);
      const samples = await eventually('QA samples for the closed batch', async () => {
        const r = await api('GET', '/v1/qa/samples', { token: OPERATOR_TOKEN });
        const items = (r.json as { items: { frameId: string; batchId: string }[] }).items;
        return items.length > 0 ? items : undefined;
      });
      const ready = batches.filter((b) => b.status === 'ready').map((b) => b.id);
      expect(ready).toContain(samples[0]?.batchId);
    }, 180_000);
  });

  it('a bad hub.yaml edit keeps the last good config and logs file:line:key', async () => {
    const before = hub.config().cleanup.defaults.min_score;
    // Line 8 of the file is "    min_score: 2" (5 fixed lines, then cleanup/defaults/min_score).
    h.writeConfig(BASE.replace(/min_score: [0-9.]+/, 'min_score: 2'));
    const line = await eventually('the reload error', () =>
      logLines.find((l) => l.includes(`${h.configFile}:8:`)),
    );
    expect(line).toContain('cleanup.defaults.min_score');
    expect(line).toContain('keeping the last good config');
    expect(hub.config().cleanup.defaults.min_score).toBe(before);
    h.writeConfig(BASE);
    await eventually('the good config back', () =>
      hub.config().cleanup.defaults.min_score === 0.3 ? true : undefined,
    );
  }, 30_000);

  it('push-config reaches the device as a retained QoS 1 config message, also after a hub restart', async () => {
    const r = await pretag(
      [
        'hub',
        'push-config',
        SITE,
        DEVICE,
        '--camera',
        CAMERA,
        '--min-score',
        '0.42',
        '--config',
        h.configFile,
      ],
      { env: { PRETAG_TOKEN: OPERATOR_TOKEN } },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const received = async (): Promise<IPublishPacket> => {
      const c = await connectDevice('/cfg');
      try {
        const got = new Promise<IPublishPacket>((resolve) =>
          c.on('message', (_t, _p, packet) => resolve(packet)),
        );
        await c.subscribeAsync(scheme.config({ site: SITE, device: DEVICE }), { qos: 1 });
        return await got;
      } finally {
        await c.endAsync();
      }
    };
    const check = (p: IPublishPacket) => {
      expect(p.retain).toBe(true);
      expect(p.qos).toBe(1);
      const cfg = configPayloadSchema.parse(JSON.parse(p.payload.toString()));
      expect(cfg.cameras[CAMERA]).toEqual({ minScore: 0.42 });
      expect([cfg.site, cfg.device]).toEqual([SITE, DEVICE]);
    };
    check(await received());

    // aedes keeps retained messages in memory only: the hub republishes on start.
    await dev.endAsync();
    await hub.close();
    hub = await start();
    check(await received());
    dev = await connectDevice();

    const noToken = await pretag(
      [
        'hub',
        'push-config',
        SITE,
        DEVICE,
        '--camera',
        CAMERA,
        '--min-score',
        '0.5',
        '--config',
        h.configFile,
      ],
      { env: { PRETAG_TOKEN: '' } },
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/operator token/);
    const unknown = await api('POST', '/v1/config/push', {
      token: OPERATOR_TOKEN,
      body: { site: SITE, device: 'nobody', camera: CAMERA, minScore: 0.5 },
    });
    expect(unknown.status).toBe(404);
    const asDevice = await api('POST', '/v1/config/push', {
      token: bundle.apiToken,
      body: { site: SITE, device: DEVICE, camera: CAMERA, minScore: 0.5 },
    });
    expect(asDevice.status).toBe(403);
    const outOfRange = await api('POST', '/v1/config/push', {
      token: OPERATOR_TOKEN,
      body: { site: SITE, device: DEVICE, camera: CAMERA, minScore: 1.5 },
    });
    expect(outOfRange.status).toBe(400);
  }, 120_000);

  it('retention deletes frames past frames_days and their blobs, and keeps batches', async () => {
    const frames = hub.ledger.statement<[], { frameId: string; blobKey: string }>(
      'SELECT frame_id AS frameId, blob_key AS blobKey FROM frames',
    );
    const before = frames.all();
    expect(before.length).toBeGreaterThan(0);
    for (const f of before) expect(await hub.blobs.exists(f.blobKey)).toBe(true);
    const batches = hub.ledger.statement<[], number>('SELECT count(*) FROM batches').pluck();
    const batchCount = batches.get() ?? 0;

    // Today nothing is 30 days old; 31 days from now everything is.
    const today = await runRetention({
      ledger: hub.ledger,
      blobs: hub.blobs,
      days: 30,
      now: Date.now(),
    });
    expect(today.framesDeleted).toBe(0);
    const later = await runRetention({
      ledger: hub.ledger,
      blobs: hub.blobs,
      days: 30,
      now: Date.now() + 31 * DAY_MS,
    });
    expect(later.framesDeleted).toBe(before.length);
    expect(later.blobsDeleted).toBe(before.length);
    expect(frames.all()).toEqual([]);
    for (const f of before) expect(await hub.blobs.exists(f.blobKey)).toBe(false);
    expect(batches.get()).toBe(batchCount);
    // A closed batch still exports its COCO JSON with every image it had.
    const ready = hub.ledger
      .statement<[], { id: string; n: number }>(
        "SELECT id, frame_count AS n FROM batches WHERE status IN ('ready', 'exported')",
      )
      .all();
    if (photo.ok) expect(ready.length).toBeGreaterThan(0);
    for (const b of ready) {
      const coco = await api('GET', `/v1/batches/${b.id}/coco`, { token: OPERATOR_TOKEN });
      expect(coco.status).toBe(200);
      expect((coco.json as { images: unknown[] }).images).toHaveLength(b.n);
    }
    // The hub's own job ran at start (with the real clock: nothing was old enough then).
    expect(hub.retention.counters().runs).toBeGreaterThanOrEqual(1);
    const r = await api('GET', `/v1/frames/${before[0]?.frameId ?? ''}`, { token: OPERATOR_TOKEN });
    expect(r.status).toBe(404);
  }, 60_000);

  it('revoke: the next MQTT connect and the next API request are refused', async () => {
    const r = await pretag(['hub', 'device', 'revoke', SITE, DEVICE, '--config', h.configFile]);
    expect(r.code).toBe(0);
    await dev.endAsync();
    await expect(connectDevice()).rejects.toThrow(/Not authorized/i);
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    const put = await api('PUT', `/v1/blobs/frames/${SITE}/${CAMERA}/2026/11/27/late-1.jpg`, {
      token: bundle.apiToken,
      body: jpeg,
    });
    expect(put.status).toBe(401);
    const list = await pretag(['hub', 'device', 'list', '--config', h.configFile]);
    expect(list.stdout).toMatch(/revoked 20\d\d-/);
    const twice = await pretag(['hub', 'device', 'revoke', SITE, DEVICE, '--config', h.configFile]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already revoked/);
  }, 60_000);
});
