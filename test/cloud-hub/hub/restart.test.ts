// Restart of the hub mid-batch, with real parts: the hub assembled by startHub from a hub.yaml
// (embedded aedes, SQLite ledger file, disk blob store, in-process workers running the packaged
// CenterNet), a device on mqtt.js with its registered password. The hub is stopped while frames
// are still arriving, a detection is running, another is leased and the annotation batch is
// open; a second hub starts on the same ledger and blob directory. Expectations come from what
// the test itself published: every frame once in the ledger, each JPEG detected once, one batch
// holding every frame once. Then the same with `pretag hub run` killed (SIGKILL) mid-batch: the
// leases of the dead hub run out and the work is redone once, without duplicate detections.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import type { DecodedImage, Detector } from '@pretag/shared/detector/types';
import { DeviceRegistry } from '../../../cloud-hub/src/broker/device-registry.ts';
import { openCloudDetector } from '../../../cloud-hub/src/hub/detector.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { needMedia } from '../../helpers/media.ts';
import { eventually, framePayload, publishOnline, hubDir, pretagBin, repoRoot } from './helpers.ts';
import type { HubDir } from './helpers.ts';

const SITE = 'cork-yard-1';
const DEVICE = 'orin-03';
const CAMERA = 'gate-2';
const scheme = topicScheme('pretag/v1');
const photo = needMedia('images/darknet-nogt/person.jpg');

const BEFORE = 6; // published and stored before the stop
const DURING = 4; // published while the hub stops, delivered to whichever hub takes them
const TOTAL = BEFORE + DURING;

let h: HubDir | undefined;
let hub: RunningHub | undefined;
let dev: MqttClient | undefined;
let detector: Detector | undefined;
const children: ChildProcess[] = [];
const dirs: HubDir[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.remove();
  await dev?.endAsync(true).catch(() => undefined);
  await hub?.close().catch(() => undefined);
  await detector?.close();
  h?.remove();
});

/** Distinct real JPEGs: the photo cropped a few pixels differently each time. */
async function jpegs(file: string, n: number): Promise<Buffer[]> {
  const src = readFileSync(file);
  const meta = await sharp(src).metadata();
  const w = (meta.width ?? 0) - 2 * n;
  const hgt = (meta.height ?? 0) - 2 * n;
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      sharp(src)
        .extract({ left: i, top: i, width: w, height: hgt })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(!photo.ok)('hub restart mid-batch (real hub, aedes, SQLite, CenterNet)', () => {
  it('loses no frame and processes none twice', async () => {
    const dir = await hubDir();
    h = dir;
    // One batch for all frames, so it is open across the restart; small leases of two frames,
    // one detection at a time, so a stop finds one running and one waiting.
    dir.writeConfig(
      [
        'batches: { group_by: every-n, size: 10 }',
        'detector: { batch: { max_frames: 2, max_wait_ms: 0 }, concurrency: 1 }',
        'qa: { min_per_batch: 1, rate: 0.5 }',
      ].join('\n'),
    );
    const logs: string[] = [];
    // The real packaged model; calls are counted per JPEG (its sha256 is the frame's sha256).
    const real = await openCloudDetector(hubFileSchema.parse({}).detector, dir.dir);
    detector = real;
    const runs = new Map<string, number>();
    const count = (image: DecodedImage | Buffer): void => {
      if (!Buffer.isBuffer(image)) return;
      const k = sha(image);
      runs.set(k, (runs.get(k) ?? 0) + 1);
    };
    const counted: Detector = {
      info: real.info,
      detect: (image) => (count(image), real.detect(image)),
      detectBatch: (images) => (images.forEach(count), real.detectBatch(images)),
      close: () => Promise.resolve(),
    };
    const start = (): Promise<RunningHub> =>
      startHub({
        configFile: dir.configFile,
        logger: pino({ level: 'warn' }, { write: (s: string) => void logs.push(s) }),
        print: () => undefined,
        detector: counted,
        scrypt: { N: 1024, r: 8, p: 1, keyLength: 32 },
        batchIntervalMs: 100,
      });

    hub = await start();
    const added = await new DeviceRegistry(hub.ledger.db, {
      scrypt: { N: 1024, r: 8, p: 1, keyLength: 32 },
    }).addDevice(SITE, DEVICE);
    if (!added.ok) throw new Error(added.reason);
    const images = await jpegs(photo.paths[0] as string, TOTAL);
    const meta = await sharp(images[0]).metadata();
    const frames = images.map((jpeg, i) =>
      framePayload({
        site: SITE,
        device: DEVICE,
        camera: CAMERA,
        frameId: `restart-${String(i).padStart(3, '0')}`,
        jpeg,
        width: meta.width ?? 0,
        height: meta.height ?? 0,
        capturedAt: new Date(Date.UTC(2026, 10, 27, 9, 0, i)).toISOString(),
      }),
    );
    // The JPEGs are in the hub's blob store before their frames are announced, as an edge does.
    for (const [i, f] of frames.entries()) await hub.blobs.put(f.blobKey, images[i] as Buffer);

    // The device reconnects on its own and resends what was not acknowledged, as the agent does.
    dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${dir.mqttPort}`, {
      username: added.username,
      password: added.password,
      clientId: added.username,
      reconnectPeriod: 200,
    });
    await publishOnline(dev, scheme, { site: SITE, device: DEVICE, camera: CAMERA });
    const publish = (i: number): Promise<unknown> =>
      (dev as MqttClient).publishAsync(
        scheme.frame(SITE, DEVICE, CAMERA),
        JSON.stringify(frames[i]),
        { qos: 1 },
      );
    for (let i = 0; i < BEFORE; i++) await publish(i);

    // Stop when one detection is done, one is running or waiting under a lease, and the batch
    // is open with some frames in it.
    const first = hub;
    await eventually(
      'a done job, a leased one and an open batch',
      () => {
        const jobs = first.ledger.jobs.counts();
        const open = first.ledger
          .statement<[], number>("SELECT count(*) FROM batches WHERE status = 'open'")
          .pluck()
          .get();
        return jobs.done >= 1 && jobs.leased >= 1 && open === 1 ? true : undefined;
      },
      1_200,
      25,
    );
    const inFlight = Array.from({ length: DURING }, (_, k) => publish(BEFORE + k));
    await first.close();
    hub = undefined;

    hub = await start();
    const second = hub;
    const state = (): string => {
      const l = second.ledger;
      const b = l.statement<[], unknown>('SELECT id, status, frame_count FROM batches').all();
      const f = l.statement<[], string>('SELECT frame_id FROM frames').pluck().all();
      return JSON.stringify({
        jobs: l.jobs.counts(),
        batches: b,
        frames: f,
        ingest: second.ingest(),
      });
    };
    await eventually(
      'every frame detected and the batch ready',
      () => {
        const ready = second.ledger
          .statement<[], number>("SELECT count(*) FROM batches WHERE status = 'ready'")
          .pluck()
          .get();
        return second.ledger.jobs.counts().done >= TOTAL && ready === 1 ? true : undefined;
      },
      1_200,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${state()}`);
    });
    await Promise.all(inFlight);
    const db = second.ledger;

    // Every frame once.
    const ids = db.statement<[], string>('SELECT frame_id FROM frames ORDER BY frame_id').pluck();
    expect(ids.all()).toEqual(frames.map((f) => f.frameId));
    // One detect job each, done; each JPEG went through the detector once.
    const jobs = db.statement<[], { frame_id: string; n: number; state: string }>(
      'SELECT frame_id, count(*) AS n, max(state) AS state FROM jobs GROUP BY frame_id ORDER BY frame_id',
    );
    expect(jobs.all()).toEqual(frames.map((f) => ({ frame_id: f.frameId, n: 1, state: 'done' })));
    expect(frames.map((f) => runs.get(f.sha256) ?? 0)).toEqual(frames.map(() => 1));
    // No cloud box stored twice.
    const repeated = db
      .statement<[], number>(
        `SELECT count(*) FROM (SELECT 1 FROM detections WHERE source = 'cloud'
           GROUP BY frame_id, label, score, x1, y1, x2, y2 HAVING count(*) > 1)`,
      )
      .pluck()
      .get();
    expect(repeated).toBe(0);
    // The person in the photo is found in every frame (the detections are real).
    const withPerson = db
      .statement<[], number>(
        "SELECT count(DISTINCT frame_id) FROM detections WHERE source = 'cloud' AND label = 'person' AND kept = 1",
      )
      .pluck()
      .get();
    expect(withPerson).toBe(TOTAL);
    // One batch, every frame in it once.
    const batches = db.statement<[], { id: string; frame_count: number; status: string }>(
      'SELECT id, frame_count, status FROM batches',
    );
    const [batch] = batches.all();
    expect(batches.all()).toHaveLength(1);
    expect(batch).toMatchObject({ frame_count: TOTAL, status: 'ready' });
    const members = db
      .statement<[string], string>(
        'SELECT frame_id FROM batch_frames WHERE batch_id = ? ORDER BY frame_id',
      )
      .pluck()
      .all(batch?.id ?? '');
    expect(members).toEqual(frames.map((f) => f.frameId));
    expect(second.ingest().frames.conflicts).toBe(0);
  }, 300_000);
});

/** What the ledger says about the frames, jobs, detections and batches (independent checks). */
function ledgerFacts(db: Database.Database) {
  const one = <T>(sql: string): T => db.prepare(sql).pluck().get() as T;
  return {
    frames: db.prepare('SELECT frame_id FROM frames ORDER BY frame_id').pluck().all() as string[],
    jobs: db
      .prepare(
        'SELECT frame_id, count(*) AS n, max(state) AS state FROM jobs GROUP BY frame_id ORDER BY frame_id',
      )
      .all() as { frame_id: string; n: number; state: string }[],
    repeatedBoxes: one<number>(
      `SELECT count(*) FROM (SELECT 1 FROM detections WHERE source = 'cloud'
         GROUP BY frame_id, label, score, x1, y1, x2, y2 HAVING count(*) > 1)`,
    ),
    framesWithPerson: one<number>(
      "SELECT count(DISTINCT frame_id) FROM detections WHERE source = 'cloud' AND label = 'person' AND kept = 1",
    ),
    batches: db.prepare('SELECT id, frame_count, status FROM batches').all() as {
      id: string;
      frame_count: number;
      status: string;
    }[],
    members: db
      .prepare('SELECT frame_id FROM batch_frames ORDER BY frame_id')
      .pluck()
      .all() as string[],
  };
}

describe.skipIf(!photo.ok)('pretag hub run killed (SIGKILL) mid-batch and started again', () => {
  it('loses no frame, and the dead leases are redone once without duplicate detections', async () => {
    const dir = await hubDir();
    dirs.push(dir);
    dir.writeConfig(
      [
        'batches: { group_by: every-n, size: 10 }',
        'detector: { batch: { max_frames: 2, max_wait_ms: 0 }, concurrency: 1 }',
        'qa: { min_per_batch: 1, rate: 0.5 }',
      ].join('\n'),
    );
    const dataDir = path.join(dir.dir, 'data');
    const dbFile = path.join(dataDir, 'pretag.db');
    // The device is registered in the ledger file before the hub starts, as `device add` does.
    const setup = openLedger(dbFile);
    const added = await new DeviceRegistry(setup.db, {
      scrypt: { N: 1024, r: 8, p: 1, keyLength: 32 },
    }).addDevice(SITE, DEVICE);
    setup.close();
    if (!added.ok) throw new Error(added.reason);

    const images = await jpegs(photo.paths[0] as string, TOTAL);
    const meta = await sharp(images[0]).metadata();
    const frames = images.map((jpeg, i) =>
      framePayload({
        site: SITE,
        device: DEVICE,
        camera: CAMERA,
        frameId: `kill-${String(i).padStart(3, '0')}`,
        jpeg,
        width: meta.width ?? 0,
        height: meta.height ?? 0,
        capturedAt: new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString(),
      }),
    );
    const { FsBlobStore } = await import('@pretag/shared/blob/fs-store');
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    for (const [i, f] of frames.entries()) await blobs.put(f.blobKey, images[i] as Buffer);

    const run = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [pretagBin, 'hub', 'run', '--config', dir.configFile], {
        cwd: repoRoot,
        env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.resume();
      await eventually(
        'the hub to start',
        () => (out.includes('detection ') ? true : undefined),
        1_200,
      );
      return child;
    };
    const first = await run();
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${dir.mqttPort}`, {
      username: added.username,
      password: added.password,
      clientId: added.username,
      reconnectPeriod: 200,
    });
    try {
      await publishOnline(device, scheme, { site: SITE, device: DEVICE, camera: CAMERA });
      const publish = (i: number): Promise<unknown> =>
        device.publishAsync(scheme.frame(SITE, DEVICE, CAMERA), JSON.stringify(frames[i]), {
          qos: 1,
        });
      const sent: Promise<unknown>[] = [];
      for (let i = 0; i < BEFORE; i++) sent.push(publish(i));
      await Promise.all(sent);

      const reader = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        // The batch step runs every 5 s in `pretag hub run`: the kill comes while detection is
        // under way, whether or not the batch exists yet.
        await eventually(
          'a done job and a leased one',
          () => {
            const n = (state: string): number =>
              reader
                .prepare('SELECT count(*) FROM jobs WHERE state = ?')
                .pluck()
                .get(state) as number;
            return n('done') >= 1 && n('leased') >= 1 ? true : undefined;
          },
          7_200,
          25,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(ledgerFacts(reader))}`);
        });
        // Frames still on their way when the hub dies: acknowledged only if stored.
        for (let k = 0; k < DURING; k++) sent.push(publish(BEFORE + k));
        first.kill('SIGKILL');
        await new Promise((r) => first.once('close', r));

        await run();
        // Leases of the dead hub run out (60 s) before their jobs are leased again.
        await eventually(
          'every frame detected and the batch ready',
          () => {
            const f = ledgerFacts(reader);
            return f.jobs.length === TOTAL &&
              f.jobs.every((j) => j.state === 'done') &&
              f.batches.some((b) => b.status === 'ready')
              ? true
              : undefined;
          },
          3_000,
          100,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(ledgerFacts(reader))}`);
        });
        await Promise.all(sent);
        const f = ledgerFacts(reader);
        const ids = frames.map((x) => x.frameId);
        expect(f.frames).toEqual(ids);
        expect(f.jobs).toEqual(ids.map((id) => ({ frame_id: id, n: 1, state: 'done' })));
        expect(f.repeatedBoxes).toBe(0);
        expect(f.framesWithPerson).toBe(TOTAL);
        expect(f.batches.map((b) => [b.frame_count, b.status])).toEqual([[TOTAL, 'ready']]);
        expect(f.members).toEqual(ids);
      } finally {
        reader.close();
      }
    } finally {
      await device.endAsync(true);
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    }
  }, 420_000);
});
