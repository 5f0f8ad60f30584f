// deploy/mosquitto/{mosquitto.conf,acl} in a real Mosquitto (Debian's), with only the listener
// port and file locations moved into a temp folder: sign-in is required, the ACL keeps devices to
// their own topics, the workers' identity gets the shared subscription and reads the production
// detector that only the hub may publish, a burst queued for an absent subscriber is kept whole,
// and compose's `pretag hub worker` command (as compose runs it, under the workers' user)
// answers a real job and follows the hub's production control.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needMedia } from '../helpers/media.ts';
import { freePort } from '../helpers/mosquitto.ts';
import { deployFile, readYaml, repoRoot } from './helpers.ts';

const HUB_USER = 'pretag-hub';
const HUB_PASS = 'hub-secret-for-test-4f1c2a';
const WORKER_USER = 'pretag-worker';
const WORKER_PASS = 'worker-secret-for-test-2d8a';
const DEVICE_USER = 'orin-07@dublin-plant-2';
const DEVICE_PASS = 'device-secret-for-test-9b7e';
const PREFIX = 'pretag/v1';
const OWN_FRAME = `${PREFIX}/dublin-plant-2/orin-07/dock-3/frame`;
const OTHER_FRAME = `${PREFIX}/dublin-plant-2/orin-99/dock-3/frame`;
const CONTROL = `${PREFIX}/control/detector`;

const hasMosquitto =
  !spawnSync('mosquitto', ['-h']).error && !spawnSync('mosquitto_passwd', ['-h']).error;
if (!hasMosquitto)
  console.warn('SKIP: mosquitto / mosquitto_passwd not installed (apt-get install mosquitto)');
const photo = needMedia(
  'images/voc100/images/2007_000027.jpg',
  'images/voc100/pascalvoc_xml/2007_000027.xml',
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

describe.skipIf(!hasMosquitto)('deploy/mosquitto in a real Mosquitto', () => {
  let dir: string;
  let port: number;
  let broker: ChildProcess | undefined;
  let log = '';
  const clients: MqttClient[] = [];
  const connect = async (o: mqtt.IClientOptions): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...o,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-deploy-mosq-'));
    port = await freePort();
    mkdirSync(path.join(dir, 'data'));
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [u, p] of [
      [HUB_USER, HUB_PASS],
      [WORKER_USER, WORKER_PASS],
      [DEVICE_USER, DEVICE_PASS],
    ] as const) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, u, p], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd: ${r.stderr}`);
    }
    copyFileSync(deployFile('mosquitto/acl'), path.join(dir, 'acl'));
    // The deploy file as it is, but for where things live on this machine.
    const conf = readFileSync(deployFile('mosquitto/mosquitto.conf'), 'utf8')
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replaceAll('/mosquitto/config/', `${dir}/`)
      .replace('/mosquitto/data/', `${dir}/data/`);
    expect(conf).not.toContain('/mosquitto/');
    // Started as root (CI), Mosquitto drops to user "mosquitto", which cannot read a 0700 temp
    // folder: stay as whoever runs the test.
    writeFileSync(path.join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
    broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    broker.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    broker.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    await waitForPort(port).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; mosquitto said: ${log}`);
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    broker?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses clients without a password and wrong passwords', async () => {
    await expect(connect({ protocolVersion: 5 })).rejects.toThrow(
      /not authori[sz]ed|bad user name or password/i,
    );
    await expect(
      connect({ protocolVersion: 5, username: DEVICE_USER, password: 'wrong' }),
    ).rejects.toThrow(/not authori[sz]ed|bad user name or password/i);
  });

  it("delivers a device's own frames to the hub and drops its writes to another device's topics", async () => {
    const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
    const got: string[] = [];
    hub.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await hub.subscribeAsync(`${PREFIX}/#`, { qos: 1 });
    const dev = await connect({ protocolVersion: 5, username: DEVICE_USER, password: DEVICE_PASS });
    // MQTT 5 tells the device why (PUBACK reason "Not authorized"); nothing reaches the hub.
    await expect(dev.publishAsync(OTHER_FRAME, 'forged', { qos: 1 })).rejects.toThrow(
      /not authori[sz]ed/i,
    );
    await dev.publishAsync(OWN_FRAME, 'own', { qos: 1 });
    for (let i = 0; i < 1000 && got.length === 0; i++) await sleep(20);
    await sleep(200); // anything delivered out of order would be here by now
    expect(got).toEqual([`${OWN_FRAME} own`]);
  });

  it("gives the workers' identity the shared subscription that spreads jobs over workers", async () => {
    const shared = `$share/pretag-detectors/${PREFIX}/jobs/detect`;
    const workers = await Promise.all(
      [1, 2].map(() =>
        connect({ protocolVersion: 5, username: WORKER_USER, password: WORKER_PASS }),
      ),
    );
    const counts: [number, number] = [0, 0];
    for (const [i, w] of workers.entries()) {
      const granted = await w.subscribeAsync(shared, { qos: 1 });
      expect(granted[0]?.qos).toBe(1);
      w.on('message', () => counts[i as 0 | 1]++);
    }
    const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
    for (let i = 0; i < 20; i++)
      await hub.publishAsync(`${PREFIX}/jobs/detect`, `job ${i}`, { qos: 1 });
    for (let i = 0; i < 1000 && counts[0] + counts[1] < 20; i++) await sleep(20);
    expect(counts[0] + counts[1]).toBe(20); // each job once, not once per worker
    expect(Math.min(...counts)).toBeGreaterThan(0); // and both workers got some
    // Leave the group, or they would take the jobs meant for the real worker below.
    await Promise.all(workers.map((w) => w.endAsync()));
  });

  it('lets only the hub publish the production detector; workers read it, even when they start later', async () => {
    const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
    const control = JSON.stringify({ v: 1, revision: 1, model: 'nanodet' });
    await hub.publishAsync(CONTROL, control, { qos: 1, retain: true });
    const worker = await connect({
      protocolVersion: 5,
      username: WORKER_USER,
      password: WORKER_PASS,
    });
    const got: string[] = [];
    worker.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await worker.subscribeAsync(CONTROL, { qos: 1 });
    for (let i = 0; i < 1000 && got.length === 0; i++) await sleep(20);
    expect(got).toEqual([`${CONTROL} ${control}`]);
    // Neither a worker nor a device may switch the fleet's model.
    const dev = await connect({ protocolVersion: 5, username: DEVICE_USER, password: DEVICE_PASS });
    for (const c of [worker, dev])
      await expect(c.publishAsync(CONTROL, '{"v":1,"revision":99}', { qos: 1 })).rejects.toThrow(
        /not authori[sz]ed/i,
      );
    // A device cannot read it either (Mosquitto grants the subscription and then delivers
    // nothing it may not read, retained message included); nor can the worker read device traffic.
    const devGot: string[] = [];
    dev.on('message', (t) => devGot.push(t));
    await dev.subscribeAsync(CONTROL, { qos: 1 });
    const sniff = await connect({
      protocolVersion: 5,
      username: WORKER_USER,
      password: WORKER_PASS,
    });
    const sniffed: string[] = [];
    sniff.on('message', (t) => sniffed.push(t));
    await sniff.subscribeAsync(`${PREFIX}/+/+/+/frame`, { qos: 1 });
    await dev.publishAsync(OWN_FRAME, 'own', { qos: 1 });
    await sleep(300);
    expect(sniffed).toEqual([]);
    expect(devGot).toEqual([]);
    await sleep(200);
    expect(got).toHaveLength(1); // the refused control messages never arrived
    await hub.publishAsync(CONTROL, '', { qos: 1, retain: true }); // clear it for the tests below
  });

  it('keeps a 3,000-message burst for a subscriber that is away (the default limit keeps 1,000)', async () => {
    const N = 3000;
    const opts = {
      protocolVersion: 4 as const,
      username: HUB_USER,
      password: HUB_PASS,
      clientId: 'ingest-away',
      clean: false,
    };
    const first = await connect(opts);
    await first.subscribeAsync(`${PREFIX}/+/+/+/frame`, { qos: 1 });
    await first.endAsync();
    const dev = await connect({ protocolVersion: 5, username: DEVICE_USER, password: DEVICE_PASS });
    for (let i = 0; i < N; i++) await dev.publishAsync(OWN_FRAME, `f${i}`, { qos: 1 });
    const seen = new Set<string>();
    // The handler goes on before connecting: queued messages arrive right after CONNACK.
    const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, { ...opts, reconnectPeriod: 0 });
    clients.push(back);
    back.on('message', (_t, p) => seen.add(p.toString()));
    // Until all arrived, or nothing more came for 5 s (a busy machine delivers slowly).
    for (let last = -1, still = 0; seen.size < N && still < 100;) {
      await sleep(50);
      still = seen.size === last ? still + 1 : 0;
      last = seen.size;
    }
    expect(seen.size).toBe(N);
  }, 120_000);

  describe.skipIf(!photo.ok)("compose's worker command on this broker", () => {
    let worker: ChildProcess | undefined;
    let out = '';
    const blobKey = 'frames/dublin-plant-2/dock-3/2026/11/27/voc-2007-000027.jpg';

    beforeAll(async () => {
      const blobDir = path.join(dir, 'worker', 'data', 'blobs');
      mkdirSync(path.dirname(path.join(blobDir, blobKey)), { recursive: true });
      copyFileSync(photo.paths[0] ?? '', path.join(blobDir, blobKey));
      writeFileSync(path.join(dir, 'worker', 'mqtt-password'), `${HUB_PASS}\n`);
      writeFileSync(path.join(dir, 'worker', 'worker-password'), `${WORKER_PASS}\n`);
      // The worker's environment as compose.yaml sets it, with its secret file moved here.
      const composeEnv = (
        readYaml('compose.yaml') as {
          services: { worker: { environment: Record<string, string> } };
        }
      ).services.worker.environment;
      expect(composeEnv.PRETAG_WORKER_MQTT_USERNAME).toBe(WORKER_USER);
      expect(composeEnv.PRETAG_WORKER_MQTT_PASSWORD_FILE).toBe('/run/secrets/mqtt_worker_password');
      // compose/hub.yaml with this broker and a local blob folder in place of Azurite.
      const hubYaml = readFileSync(deployFile('compose/hub.yaml'), 'utf8')
        .replace('url: mqtt://mosquitto:1883', `url: mqtt://127.0.0.1:${port}`)
        .replace('/run/secrets/mqtt_hub_password', 'mqtt-password')
        .replace('dir: /var/lib/pretag', 'dir: ./data')
        .replace(
          /\nblob:\n {2}azure:[^\n]*\n(?: {4}[^\n]*\n)+/,
          '\nblob:\n  hub: { dir: blobs }\n',
        );
      expect(hubYaml).toContain('hub: { dir: blobs }');
      writeFileSync(path.join(dir, 'worker', 'hub.yaml'), hubYaml);
      worker = spawn(
        process.execPath,
        [
          path.join(repoRoot, 'shared/bin/pretag.js'),
          'hub',
          'worker',
          '--config',
          'hub.yaml',
          '--name',
          'w-test',
        ],
        {
          cwd: path.join(dir, 'worker'),
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            ...composeEnv,
            PRETAG_WORKER_MQTT_PASSWORD_FILE: 'worker-password',
            PRETAG_LOG_LEVEL: 'info',
          },
        },
      );
      worker.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      worker.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 1200 && !out.includes('detection worker ready'); i++) {
        if (worker.exitCode !== null) throw new Error(`worker exited: ${out}`);
        await sleep(50);
      }
      if (!out.includes('detection worker ready')) throw new Error(`worker not ready: ${out}`);
    }, 90_000);

    afterAll(async () => {
      const w = worker;
      if (w && w.exitCode === null) {
        const gone = new Promise((r) => w.once('exit', r));
        w.kill('SIGTERM');
        await gone;
      }
    });

    it('detects the person in a VOC photo where its ground truth says, and reports a missing image as an error', async () => {
      const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
      const results: Record<string, unknown>[] = [];
      hub.on('message', (_t, p) =>
        results.push(JSON.parse(p.toString()) as Record<string, unknown>),
      );
      await hub.subscribeAsync(`${PREFIX}/jobs/results`, { qos: 1 });
      const job = (jobId: number, key: string) =>
        JSON.stringify({
          v: 1,
          jobId,
          attempt: 1,
          frameId: `voc-${jobId}`,
          blobKey: key,
          width: 486,
          height: 500,
          site: 'dublin-plant-2',
          camera: 'dock-3',
          capturedAt: '2026-11-27T12:00:00.000Z',
        });
      await hub.publishAsync(`${PREFIX}/jobs/detect`, job(1, blobKey), { qos: 1 });
      await hub.publishAsync(
        `${PREFIX}/jobs/detect`,
        job(2, 'frames/dublin-plant-2/dock-3/2026/11/27/missing.jpg'),
        { qos: 1 },
      );
      for (let i = 0; i < 1200 && results.length < 2; i++) await sleep(50);
      expect(results.length, out).toBe(2);
      const byId = new Map(results.map((r) => [r.jobId, r]));
      const ok = byId.get(1) as {
        ok: boolean;
        worker: string;
        detections: { label: string; box: number[]; kept?: boolean }[];
      };
      expect(ok.ok).toBe(true);
      expect(ok.worker).toBe('w-test');
      // Ground truth (VOC XML): one person at [174, 101, 349, 351].
      const xml = readFileSync(photo.paths[1] ?? '', 'utf8');
      const gt = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) =>
        Number(new RegExp(`<${k}>([\\d.]+)</${k}>`).exec(xml)?.[1]),
      );
      expect(gt).toEqual([174, 101, 349, 351]);
      const iou = (a: number[], b: number[]) => {
        const w = Math.max(0, Math.min(a[2] ?? 0, b[2] ?? 0) - Math.max(a[0] ?? 0, b[0] ?? 0));
        const h = Math.max(0, Math.min(a[3] ?? 0, b[3] ?? 0) - Math.max(a[1] ?? 0, b[1] ?? 0));
        const area = (x: number[]) => ((x[2] ?? 0) - (x[0] ?? 0)) * ((x[3] ?? 0) - (x[1] ?? 0));
        return (w * h) / (area(a) + area(b) - w * h);
      };
      const people = ok.detections.filter((d) => d.label === 'person' && d.kept !== false);
      expect(Math.max(0, ...people.map((d) => iou(d.box, gt)))).toBeGreaterThan(0.5);
      const missing = byId.get(2) as { ok: boolean; error: string };
      expect(missing.ok).toBe(false);
      expect(missing.error).toMatch(/missing\.jpg not found/);
    }, 120_000);

    it("follows the hub's production control and answers with its model, under the workers' user", async () => {
      const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
      const answers: { worker: string; model: string; revision: number }[] = [];
      const results: { jobId: number; modelId?: string }[] = [];
      hub.on('message', (t, p) => {
        if (t.endsWith('/model') && p.byteLength)
          answers.push(JSON.parse(p.toString()) as (typeof answers)[number]);
        if (t.endsWith('/results'))
          results.push(JSON.parse(p.toString()) as (typeof results)[number]);
      });
      await hub.subscribeAsync(`${PREFIX}/workers/+/model`, { qos: 1 });
      await hub.subscribeAsync(`${PREFIX}/jobs/results`, { qos: 1 });
      for (let i = 0; i < 600 && answers.length === 0; i++) await sleep(50);
      expect(answers[0]).toMatchObject({ worker: 'w-test', model: 'centernet', revision: 0 });
      const control = {
        v: 1,
        revision: 1,
        model: 'nanodet',
        detector: { adapter: 'nanodet', providers: ['cpu'], min_score: 0.05 },
        issuedAt: new Date().toISOString(),
      };
      await hub.publishAsync(CONTROL, JSON.stringify(control), { qos: 1, retain: true });
      await hub.publishAsync(
        `${PREFIX}/jobs/detect`,
        JSON.stringify({
          v: 1,
          jobId: 3,
          attempt: 1,
          frameId: 'voc-3',
          blobKey,
          width: 486,
          height: 500,
          site: 'dublin-plant-2',
          camera: 'dock-3',
          capturedAt: '2026-11-27T12:00:00.000Z',
        }),
        { qos: 1 },
      );
      for (let i = 0; i < 1200 && results.length === 0; i++) await sleep(50);
      expect(answers.at(-1), out).toMatchObject({ model: 'nanodet', revision: 1 });
      // The job sent after the control waited for the swap: the promoted model detected it.
      expect(results, out).toEqual([expect.objectContaining({ jobId: 3, modelId: 'nanodet' })]);
    }, 120_000);

    it('stops cleanly on SIGTERM, taking its answer off the broker', async () => {
      const w = worker;
      if (!w) throw new Error('no worker');
      const code = new Promise<number | null>((r) => w.once('exit', (c) => r(c)));
      w.kill('SIGTERM');
      expect(await code).toBe(0);
      expect(out).toContain('worker stopped');
      const hub = await connect({ protocolVersion: 5, username: HUB_USER, password: HUB_PASS });
      const retained: string[] = [];
      hub.on('message', (t) => retained.push(t));
      await hub.subscribeAsync(`${PREFIX}/workers/+/model`, { qos: 1 });
      await sleep(300);
      expect(retained).toEqual([]);
    });
  });
});
