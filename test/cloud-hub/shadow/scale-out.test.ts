// Shadow and promotion in the scale-out shape: a real Mosquitto, the hub with mqtt.external
// (no in-process detector), real `pretag hub worker` processes (startWorkerProcess) with the
// packaged CenterNet in production and NanoDet as the hub's shadow candidate, on frames of a
// real video. Agreement is recomputed here by hand from the stored boxes; the promotion reaches
// the workers through the retained control topic; boxes carry the model that made them; a
// worker that cannot open the promoted model stays on its own and says so; the hub re-publishes
// the promotion after a restart; bad control messages are ignored and logged.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerModel } from '@pretag/shared/mqtt/control';
import { hashSeed, mulberry32 } from '@pretag/shared/random/prng';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { startWorkerProcess } from '../../../cloud-hub/src/hub/run-worker.ts';
import type { RunningWorkerProcess } from '../../../cloud-hub/src/hub/run-worker.ts';
import type { ShadowComparison } from '../../../cloud-hub/src/shadow/report.ts';
import { needMedia, repoRoot } from '../../helpers/media.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import { OPERATOR_TOKEN, eventually, hubDir } from '../hub/helpers.ts';
import type { HubDir } from '../hub/helpers.ts';
import { storeFrame } from './store-frame.ts';
import { extractJpegs } from '../workers/fixture.ts';

const media = needMedia('video/campus-pedestrians-vtest.avi');
const broker = media.ok ? await startMosquitto() : { ok: false as const, reason: media.reason };
const SHARE = 0.5;
const CONTROL = 'pretag/v1/control/detector';
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `SKIP the workers table in the browser: ${CHROMIUM} not found (apt-get install chromium)`,
  );

type Box = [number, number, number, number];
interface Stored {
  frameId: string;
  label: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
interface Logged {
  msg?: string;
  reason?: string;
  err?: string;
}
interface ModelsBody {
  production: { model: string } | null;
  candidate: { model: string; share: number } | null;
  workers: WorkerModel[];
  promotions: { id: number; to: string }[];
}

/** The share's documented rule: mulberry32 seeded by FNV-1a of "shadow:{frameId}", below it. */
const picked = (id: string) => mulberry32(hashSeed(`shadow:${id}`))() < SHARE;

function handIou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return (w * h) / (area(a) + area(b) - w * h);
}

/** Pairs with IoU ≥ 0.5, best first, each box once. */
function handMatched(p: Box[], c: Box[]): number {
  const pairs: { v: number; i: number; j: number }[] = [];
  p.forEach((x, i) =>
    c.forEach((y, j) => {
      const v = handIou(x, y);
      if (v >= 0.5) pairs.push({ v, i, j });
    }),
  );
  pairs.sort((x, y) => y.v - x.v);
  const ui = new Set<number>();
  const uj = new Set<number>();
  for (const q of pairs)
    if (!ui.has(q.i) && !uj.has(q.j)) {
      ui.add(q.i);
      uj.add(q.j);
    }
  return ui.size;
}

const logSink = (into: Logged[]) =>
  pino({ level: 'info' }, { write: (line: string) => into.push(JSON.parse(line) as Logged) });

describe.skipIf(!media.ok || !broker.ok)('shadow and promotion with external workers', () => {
  const url = broker.ok ? broker.mosquitto.url : '';
  let h: HubDir;
  let hub: RunningHub;
  let jpegDir: string;
  let badDir: string;
  let jpegs: string[] = [];
  let next = 0;
  const before: string[] = [];
  const workers = new Map<string, RunningWorkerProcess>();
  const logs = new Map<string, Logged[]>();

  const api = async (method: string, route: string, body?: object) => {
    const res = await fetch(`http://127.0.0.1:${h.apiPort}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${OPERATOR_TOKEN}`,
        ...(body && { 'content-type': 'application/json' }),
      },
      ...(body && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  };
  const models = async () => (await api('GET', '/v1/models')).json as ModelsBody;
  const startTheHub = () =>
    startHub({
      configFile: h.configFile,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
      batchIntervalMs: 3_600_000,
      shadowIntervalMs: 100,
    });
  const startWorker = async (name: string, configFile: string) => {
    const into: Logged[] = [];
    logs.set(name, into);
    const w = await startWorkerProcess({ configFile, name, logger: logSink(into), env: {} });
    workers.set(name, w);
    return w;
  };
  const stopWorker = async (name: string) => {
    await workers.get(name)?.close();
    workers.delete(name);
  };
  const send = (): Promise<string> => {
    const i = next++;
    return storeFrame(hub, i, jpegs[i] ?? '');
  };
  const state = (id: string) =>
    hub.ledger
      .statement<[string], string>('SELECT state FROM frames WHERE frame_id = ?')
      .pluck()
      .get(id);
  const detectedBy = (ids: readonly string[]) =>
    hub.ledger
      .statement<[string], string>(
        `SELECT DISTINCT model_id FROM detections WHERE source = 'cloud' AND frame_id IN (SELECT value FROM json_each(?)) ORDER BY model_id`,
      )
      .pluck()
      .all(JSON.stringify(ids));
  const allDetected = (ids: readonly string[]) =>
    eventually(
      `${ids.length} frames detected`,
      () => (ids.every((id) => state(id) === 'detected') ? true : undefined),
      900,
      100,
    );
  const workerAnswer = (name: string, ok: (w: WorkerModel) => boolean) =>
    eventually(
      `worker ${name}'s answer`,
      async () => (await models()).workers.find((w) => w.worker === name && ok(w)),
      600,
      100,
    );

  beforeAll(async () => {
    jpegDir = mkdtempSync(path.join(tmpdir(), 'pretag-shadow-ext-'));
    jpegs = extractJpegs(media.paths[0] ?? '', 16, jpegDir);
    h = await hubDir();
    // The candidate's file is relative to hub.yaml: a worker whose folder lacks it cannot open it.
    mkdirSync(path.join(h.dir, 'models'));
    symlinkSync(
      path.join(repoRoot, 'models', 'build', 'nanodet.onnx'),
      path.join(h.dir, 'models', 'nanodet.onnx'),
    );
    const body = (storage: string) =>
      [
        `listen: { host: 127.0.0.1, port: ${h.apiPort} }`,
        `mqtt: { external: { url: "${url}" } }`,
        `storage: { dir: ${storage} }`,
        'auth: { tokens_file: tokens.yaml }',
        `detector: { adapter: centernet, providers: [cpu], file: ${path.join(repoRoot, 'models', 'build', 'centernet.onnx')} }`,
        'cleanup: { defaults: { min_score: 0.3, classes: all } }',
        'shadow:',
        '  model: { adapter: nanodet, providers: [cpu], file: models/nanodet.onnx }',
        `  share: ${SHARE}`,
        '',
      ].join('\n');
    writeFileSync(h.configFile, body('./data'));
    badDir = mkdtempSync(path.join(tmpdir(), 'pretag-worker-nomodel-'));
    writeFileSync(path.join(badDir, 'tokens.yaml'), 'tokens: []\n');
    writeFileSync(path.join(badDir, 'hub.yaml'), body(path.join(h.dir, 'data')));
    hub = await startTheHub();
    await startWorker('w-a', h.configFile);
    for (let i = 0; i < 8; i++) before.push(await send());
    const chosen = before.filter(picked);
    await allDetected(before);
    await eventually(
      'shadow runs',
      () =>
        (hub.ledger.statement<[], number>('SELECT count(*) FROM shadow_runs').pluck().get() ?? 0) >=
        chosen.length
          ? true
          : undefined,
      600,
      100,
    );
  }, 300_000);

  afterAll(async () => {
    for (const name of [...workers.keys()]) await stopWorker(name).catch(() => undefined);
    await hub?.close();
    h?.remove();
    if (broker.ok) await broker.mosquitto.dispose();
    for (const d of [jpegDir, badDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('names production, the candidate and each worker on the production model', async () => {
    const m = await models();
    expect(m.production).toMatchObject({ model: 'centernet' });
    expect(m.candidate).toMatchObject({ model: 'nanodet', share: SHARE });
    expect(m.workers).toEqual([
      expect.objectContaining({ worker: 'w-a', model: 'centernet', revision: 0 }),
    ]);
  });

  it('runs the candidate in the hub on its share of frames the workers detected, and reports agreement', async () => {
    const ran = hub.ledger
      .statement<[], string>(
        "SELECT frame_id FROM shadow_runs WHERE model_id = 'nanodet' AND error IS NULL ORDER BY frame_id",
      )
      .pluck()
      .all();
    expect(ran).toEqual(before.filter(picked).sort());
    expect(ran.length).toBeGreaterThan(0);
    expect(detectedBy(before)).toEqual(['centernet']);
    const r = (await api('GET', '/v1/shadow')).json as ShadowComparison;
    expect(r.candidate).toBe('nanodet');
    expect(r.production).toEqual(['centernet']);
    expect(r.frames).toBe(ran.length);
    const rows = (sql: string) =>
      hub.ledger
        .statement<[], Stored>(sql)
        .all()
        .filter((s) => ran.includes(s.frameId));
    const prod = rows(
      "SELECT frame_id AS frameId, label, x1, y1, x2, y2 FROM detections WHERE source = 'cloud' AND coalesce(kept, 1) = 1",
    );
    const cand = rows(
      'SELECT frame_id AS frameId, label, x1, y1, x2, y2 FROM shadow_detections WHERE coalesce(kept, 1) = 1',
    );
    const box = (s: Stored): Box => [s.x1, s.y1, s.x2, s.y2];
    let p = 0;
    let c = 0;
    let matched = 0;
    for (const id of ran)
      for (const label of new Set(
        [...prod, ...cand].filter((s) => s.frameId === id).map((s) => s.label),
      )) {
        const pb = prod.filter((s) => s.frameId === id && s.label === label).map(box);
        const cb = cand.filter((s) => s.frameId === id && s.label === label).map(box);
        p += pb.length;
        c += cb.length;
        matched += handMatched(pb, cb);
      }
    expect(p).toBeGreaterThan(0);
    expect(r.agreement.at(-1)).toMatchObject({
      class: 'all',
      production: p,
      candidate: c,
      matched,
      union: p + c - matched,
    });
  });

  it('promotes: workers swap to the candidate; one that cannot open it keeps its model and says so', async () => {
    await startWorker('w-nomodel', path.join(badDir, 'hub.yaml'));
    await workerAnswer('w-nomodel', (w) => w.revision === 0);
    const ok = await api('POST', '/v1/models/promote', { model: 'nanodet' });
    expect(ok.status).toBe(200);
    const revision = (ok.json as { id: number }).id;
    expect(ok.json).toMatchObject({ from: 'centernet', to: 'nanodet' });
    const a = await workerAnswer('w-a', (w) => w.revision === revision);
    expect(a).toMatchObject({ model: 'nanodet' });
    expect(a.failed).toBeUndefined();
    const bad = await workerAnswer('w-nomodel', (w) => w.failed !== undefined);
    expect(bad).toMatchObject({ model: 'centernet', revision: 0 });
    expect(bad.failed).toMatchObject({ revision, model: 'nanodet' });
    expect(bad.failed?.error).toContain(path.join(badDir, 'models', 'nanodet.onnx'));
    expect(logs.get('w-nomodel')?.map((l) => l.msg)).toContain(
      'the promoted model nanodet did not open; still detecting with centernet',
    );
    const m = await models();
    expect(m.production).toMatchObject({ model: 'nanodet' });
    expect(m.candidate).toBeNull();
  }, 120_000);

  it.skipIf(!hasChromium)(
    "the quality page lists each worker's model and marks the one that could not open the candidate",
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${h.apiPort}/ui/#/quality`);
        await page.getByLabel('API token').fill(OPERATOR_TOKEN);
        await page.keyboard.press('Enter');
        const rows = page.locator('#q-workers tbody tr');
        await rows.first().waitFor({ timeout: 30_000 });
        const cells = [];
        for (const row of await rows.all())
          cells.push({
            cells: await row.locator('th, td').allTextContents(),
            marked: (await row.getAttribute('class')) === 'drifted',
          });
        const byWorker = new Map(cells.map((r) => [r.cells[0], r]));
        expect(byWorker.get('w-a')).toMatchObject({ marked: false });
        expect(byWorker.get('w-a')?.cells.slice(1, 4)).toEqual([
          'nanodet',
          expect.any(String),
          '—',
        ]);
        const bad = byWorker.get('w-nomodel');
        expect(bad?.marked).toBe(true);
        expect(bad?.cells[1]).toBe('centernet');
        expect(bad?.cells[2]).toBe("0 (hub.yaml's detector)");
        expect(bad?.cells[3]).toMatch(/^could not open nanodet \(revision \d+\): /);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('detects frames sent after the promotion with the candidate, stored under its id', async () => {
    // Only the worker that swapped takes jobs now.
    await stopWorker('w-nomodel');
    const after: string[] = [];
    for (let i = 0; i < 3; i++) after.push(await send());
    await allDetected(after);
    expect(detectedBy(after)).toEqual(['nanodet']);
    // Boxes detected before the promotion stay attributed to the model that made them.
    expect(detectedBy(before)).toEqual(['centernet']);
  }, 120_000);

  it('a worker started after the promotion starts on the candidate', async () => {
    await stopWorker('w-a');
    await startWorker('w-late', h.configFile);
    const revision = (await models()).promotions[0]?.id;
    const answer = await workerAnswer('w-late', (x) => x.revision !== 0);
    expect(answer).toMatchObject({ model: 'nanodet', revision });
    const id = await send();
    await allDetected([id]);
    expect(detectedBy([id])).toEqual(['nanodet']);
  }, 120_000);

  it('a restarted hub publishes the promotion again (retained), for workers that start later', async () => {
    const revision = (await models()).promotions[0]?.id;
    await stopWorker('w-late');
    await hub.close();
    // A broker that lost its retained store: the hub's restart must put the control back.
    const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await c.publishAsync(CONTROL, '', { qos: 1, retain: true });
      hub = await startTheHub();
      const got = new Promise<string>((resolve) =>
        c.on('message', (_t, p) => resolve(p.toString())),
      );
      await c.subscribeAsync(CONTROL, { qos: 1 });
      const control = JSON.parse(await got) as { revision: number; model: string };
      expect(control).toMatchObject({ revision, model: 'nanodet' });
    } finally {
      await c.endAsync();
    }
    expect((await models()).production).toMatchObject({ model: 'nanodet' });
    await startWorker('w-after-restart', h.configFile);
    const answer = await workerAnswer('w-after-restart', (x) => x.revision !== 0);
    expect(answer).toMatchObject({ model: 'nanodet', revision });
  }, 120_000);

  it('ignores malformed, invalid and older control messages with a log line and keeps working', async () => {
    const w = workers.get('w-after-restart');
    if (!w) throw new Error('no worker');
    const log = logs.get('w-after-restart') ?? [];
    const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    const control = (revision: number, model: string, file: string) =>
      JSON.stringify({
        v: 1,
        revision,
        model,
        detector: { adapter: model, providers: ['cpu'], file, min_score: 0.05 },
        issuedAt: new Date().toISOString(),
      });
    try {
      // A newer revision that opens (back to CenterNet), then an older one that must not apply.
      await c.publishAsync(
        CONTROL,
        control(50, 'centernet', path.join(repoRoot, 'models', 'build', 'centernet.onnx')),
        { qos: 1 },
      );
      await eventually('revision 50', () => (w.worker.model()?.revision === 50 ? true : undefined));
      await w.worker.modelSettled();
      await c.publishAsync(CONTROL, '{"v":1,"revision":', { qos: 1 });
      await c.publishAsync(CONTROL, JSON.stringify({ v: 1, revision: 'x', model: 'm' }), {
        qos: 1,
      });
      await c.publishAsync(CONTROL, control(49, 'nanodet', 'models/nanodet.onnx'), { qos: 1 });
      const reasons = await eventually('three ignored messages', () => {
        const r = log.filter((l) => l.msg === 'detector control ignored').map((l) => l.reason);
        return r.length >= 3 ? r : undefined;
      });
      expect(reasons).toEqual([
        'message is not JSON',
        expect.stringMatching(/^revision: /),
        'revision 49 is older than 50',
      ]);
    } finally {
      await c.endAsync();
    }
    await w.worker.modelSettled();
    expect(w.worker.model()).toMatchObject({ model: 'centernet', revision: 50 });
    const id = await send();
    await allDetected([id]);
    expect(detectedBy([id])).toEqual(['centernet']);
  }, 120_000);

  it('a worker that loses its connection has its answer cleared by its last will, and gives it again on reconnecting', async () => {
    const w = workers.get('w-after-restart');
    if (!w) throw new Error('no worker');
    const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    const seen: string[] = [];
    try {
      c.on('message', (_t, p) => seen.push(p.toString()));
      await c.subscribeAsync('pretag/v1/workers/w-after-restart/model', { qos: 1 });
      await eventually('the retained answer', () => (seen.length ? true : undefined));
      // The socket dies without a DISCONNECT, as when a pod is killed or the network drops.
      w.worker.client.stream.destroy();
      await eventually('the answer again', () => (seen.length >= 3 ? true : undefined), 100, 100);
    } finally {
      await c.endAsync();
    }
    const [first, gone, again] = seen;
    expect(JSON.parse(first ?? '')).toMatchObject({ worker: 'w-after-restart', revision: 50 });
    expect(gone).toBe('');
    expect(JSON.parse(again ?? '')).toMatchObject({ worker: 'w-after-restart', revision: 50 });
  }, 60_000);
});
