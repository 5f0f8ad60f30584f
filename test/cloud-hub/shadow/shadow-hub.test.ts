// Shadow comparison in a running hub with two real models on frames of a real video: CenterNet
// FP32 in production, NanoDet FP32 as the candidate on half of the frames (by frame-id hash).
// Agreement is recomputed here by hand from the stored boxes (own IoU, own greedy matching);
// candidate boxes never reach production tables; promotion switches the model for new jobs,
// is audited, survives a restart, and is for operators only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSeed, mulberry32 } from '@pretag/shared/random/prng';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { ShadowComparison } from '../../../cloud-hub/src/shadow/report.ts';
import { needMedia, repoRoot } from '../../helpers/media.ts';
import { OPERATOR_TOKEN, eventually, hubDir } from '../hub/helpers.ts';
import type { HubDir } from '../hub/helpers.ts';
import { CAMERA, SITE, storeFrame } from './store-frame.ts';
import { extractJpegs } from '../workers/fixture.ts';

const m = needMedia('video/campus-pedestrians-vtest.avi');
const N = 16;
const REVIEWER = 'rv-shadow-test-0a1b2c3d4e5f60718293a4b5c6d7e8f9';

type Box = [number, number, number, number];
interface Stored {
  frameId: string;
  label: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The share's rule as documented: mulberry32 seeded by FNV-1a of "shadow:{frameId}", below the share. */
const picked = (id: string) => mulberry32(hashSeed(`shadow:${id}`))() < 0.5;

/** IoU worked out directly: overlap area over the area of the union. */
function handIou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return inter / (area(a) + area(b) - inter);
}

/** Matched pairs: all pairs with IoU ≥ 0.5, taken best first, each box once. */
function handMatched(p: Box[], c: Box[]): number {
  const pairs: { v: number; i: number; j: number }[] = [];
  for (let i = 0; i < p.length; i++)
    for (let j = 0; j < c.length; j++) {
      const v = handIou(p[i] as Box, c[j] as Box);
      if (v >= 0.5) pairs.push({ v, i, j });
    }
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

describe.skipIf(!m.ok)('shadow model in a running hub', () => {
  let h: HubDir;
  let hub: RunningHub;
  let jpegDir: string;
  let jpegs: string[] = [];
  const ids: string[] = [];

  const api = async (method: string, url: string, body?: object, token = OPERATOR_TOKEN) => {
    const res = await fetch(`http://127.0.0.1:${h.apiPort}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body && { 'content-type': 'application/json' }),
      },
      ...(body && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  };
  const start = () =>
    startHub({
      configFile: h.configFile,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
      batchIntervalMs: 3_600_000,
      shadowIntervalMs: 100,
    });
  const send = (i: number, file: string) => storeFrame(hub, i, file);
  const state = (id: string) =>
    hub.ledger
      .statement<[string], string>('SELECT state FROM frames WHERE frame_id = ?')
      .pluck()
      .get(id);

  beforeAll(async () => {
    jpegDir = mkdtempSync(path.join(tmpdir(), 'pretag-shadow-'));
    jpegs = extractJpegs(m.paths[0] ?? '', N + 2, jpegDir);
    h = await hubDir();
    const tokens = path.join(h.dir, 'tokens.yaml');
    const text = readFileSync(tokens, 'utf8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(tokens, `${text}  - { name: rita, role: reviewer, token: ${REVIEWER} }\n`);
    h.writeConfig(
      [
        // An explicit file for production: the candidate (no file) must not inherit it.
        `detector: { adapter: centernet, providers: [cpu], file: ${path.join(repoRoot, 'models', 'build', 'centernet.onnx')} }`,
        'cleanup: { defaults: { min_score: 0.3, classes: all } }',
        'shadow:',
        '  model: { adapter: nanodet, providers: [cpu] }',
        '  share: 0.5',
      ].join('\n'),
    );
    hub = await start();
    for (let i = 0; i < N; i++) ids.push(await send(i, jpegs[i] ?? ''));
    const chosen = ids.filter((id) => picked(id));
    await eventually(
      'detections and shadow runs',
      () => {
        if (!ids.every((id) => state(id) !== 'pending')) return undefined;
        const runs =
          hub.ledger.statement<[], number>('SELECT count(*) FROM shadow_runs').pluck().get() ?? 0;
        return runs >= chosen.length ? true : undefined;
      },
      600,
      100,
    );
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    h?.remove();
    rmSync(jpegDir, { recursive: true, force: true });
  });

  it('names production and candidate models', async () => {
    const r = await api('GET', '/v1/models');
    expect(r.json).toMatchObject({
      production: { model: 'centernet', adapter: 'centernet' },
      candidate: { model: 'nanodet', adapter: 'nanodet', share: 0.5 },
    });
  });

  it('runs the candidate on the frames its share picks, and keeps its boxes out of production', () => {
    const ran = hub.ledger
      .statement<[], string>(
        "SELECT frame_id FROM shadow_runs WHERE model_id = 'nanodet' AND error IS NULL ORDER BY frame_id",
      )
      .pluck()
      .all();
    expect(ran).toEqual(ids.filter((id) => picked(id)).sort());
    expect(ran.length).toBeGreaterThan(2);
    expect(ran.length).toBeLessThan(N);
    const leaked = hub.ledger
      .statement<[], number>("SELECT count(*) FROM detections WHERE model_id <> 'centernet'")
      .pluck()
      .get();
    expect(leaked).toBe(0);
  });

  it('reports agreement per class that matches a hand count from the stored boxes', async () => {
    const r = (await api('GET', '/v1/shadow')).json as ShadowComparison;
    expect(r.candidate).toBe('nanodet');
    expect(r.production).toEqual(['centernet']);
    const prod = hub.ledger
      .statement<[], Stored>(
        `SELECT frame_id AS frameId, label, score, x1, y1, x2, y2 FROM detections
         WHERE source = 'cloud' AND coalesce(kept, 1) = 1`,
      )
      .all();
    const cand = hub.ledger
      .statement<[], Stored>(
        'SELECT frame_id AS frameId, label, score, x1, y1, x2, y2 FROM shadow_detections WHERE coalesce(kept, 1) = 1',
      )
      .all();
    const ran = hub.ledger
      .statement<[], string>('SELECT frame_id FROM shadow_runs WHERE error IS NULL')
      .pluck()
      .all();
    const box = (s: Stored): Box => [s.x1, s.y1, s.x2, s.y2];
    const totals = new Map<string, { p: number; c: number; matched: number }>();
    for (const id of ran) {
      const labels = new Set(
        [...prod, ...cand].filter((s) => s.frameId === id).map((s) => s.label),
      );
      for (const label of labels) {
        const p = prod.filter((s) => s.frameId === id && s.label === label).map(box);
        const c = cand.filter((s) => s.frameId === id && s.label === label).map(box);
        const t = totals.get(label) ?? { p: 0, c: 0, matched: 0 };
        t.p += p.length;
        t.c += c.length;
        t.matched += handMatched(p, c);
        totals.set(label, t);
      }
    }
    expect(totals.get('person')?.p ?? 0).toBeGreaterThan(0);
    for (const [label, t] of totals) {
      const row = r.agreement.find((a) => a.class === label);
      expect(row, label).toMatchObject({
        production: t.p,
        candidate: t.c,
        matched: t.matched,
        union: t.p + t.c - t.matched,
      });
    }
    const all = r.agreement.at(-1);
    expect(all?.class).toBe('all');
    const sum = [...totals.values()].reduce(
      (a, t) => ({ p: a.p + t.p, c: a.c + t.c, matched: a.matched + t.matched }),
      { p: 0, c: 0, matched: 0 },
    );
    expect(all?.agreement).toBeCloseTo(sum.matched / (sum.p + sum.c - sum.matched), 12);
    expect(r.frames).toBe(ran.length);
  });

  it('gives both AP50s side by side on reviewed frames', async () => {
    // A reviewer accepts every production person box on three shadowed frames and adds one
    // missed person: production then has precision 1 and recall accepted / (accepted + 1).
    const ran = hub.ledger
      .statement<[], string>(
        'SELECT frame_id FROM shadow_runs WHERE error IS NULL ORDER BY frame_id LIMIT 3',
      )
      .pluck()
      .all();
    let accepted = 0;
    for (const [k, id] of ran.entries()) {
      const batch = `b-shadow-${k}`;
      hub.ledger.db
        .prepare(
          `INSERT INTO batches (id, site, camera, status, frame_count, created_at, updated_at) VALUES (?, ?, ?, 'closed', 1, 1, 1)`,
        )
        .run(batch, SITE, CAMERA);
      const sample = Number(
        hub.ledger.db
          .prepare(
            `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, created_at) VALUES (?, ?, '[]', '1', 1)`,
          )
          .run(batch, id).lastInsertRowid,
      );
      const boxes = hub.ledger
        .statement<[string], Stored>(
          `SELECT frame_id AS frameId, label, score, x1, y1, x2, y2 FROM detections
           WHERE frame_id = ? AND source = 'cloud' AND coalesce(kept, 1) = 1 AND label = 'person'`,
        )
        .all(id);
      for (const b of boxes) {
        const r = await api(
          'POST',
          `/v1/qa/samples/${sample}/review`,
          { verdict: 'accepted', label: 'person', score: b.score, box: [b.x1, b.y1, b.x2, b.y2] },
          REVIEWER,
        );
        expect(r.status).toBe(201);
        accepted++;
      }
      if (k === 0) {
        const r = await api(
          'POST',
          `/v1/qa/samples/${sample}/review`,
          { verdict: 'missed', label: 'person', box: [1, 1, 20, 60] },
          REVIEWER,
        );
        expect(r.status).toBe(201);
      }
    }
    const r = (await api('GET', '/v1/shadow')).json as ShadowComparison;
    expect(r.reviewed.frames).toBe(ran.length);
    const p = r.reviewed.production?.perClass.find((c) => c.class === 'person');
    expect(p).toMatchObject({ tp: accepted, fp: 0, numGt: accepted + 1 });
    expect(p?.precision?.estimate).toBe(1);
    expect(r.reviewed.candidate?.overall.ap50).toEqual(expect.any(Number));
    expect(r.reviewed.production?.overall.ap50).toEqual(expect.any(Number));
  });

  it('promotion is for operators, must name the candidate, and switches new jobs to it', async () => {
    expect((await api('POST', '/v1/models/promote', { model: 'nanodet' }, REVIEWER)).status).toBe(
      403,
    );
    const wrong = await api('POST', '/v1/models/promote', { model: 'fasterrcnn' });
    expect(wrong.status).toBe(409);
    expect((wrong.json as { message: string }).message).toMatch(
      /candidate is "nanodet", not "fasterrcnn"/,
    );
    const ok = await api('POST', '/v1/models/promote', { model: 'nanodet' });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ from: 'centernet', to: 'nanodet', actor: 'ops' });
    const models = (await api('GET', '/v1/models')).json as {
      production: { model: string };
      candidate: unknown;
    };
    expect(models.production.model).toBe('nanodet');
    expect(models.candidate).toBeNull();
    const audit = (await api('GET', '/v1/audit?action=model.promote')).json as {
      items: { actor: string; target: string; diff: unknown }[];
    };
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      actor: 'ops',
      target: 'model:nanodet',
      diff: { production: { from: 'centernet', to: 'nanodet' } },
    });
    // A frame arriving now is detected by the promoted model.
    const id = await send(N, jpegs[N] ?? '');
    await eventually(
      'detection after promotion',
      () => (state(id) !== 'pending' ? true : undefined),
      600,
      100,
    );
    const models2 = hub.ledger
      .statement<[string], string>(
        "SELECT DISTINCT model_id FROM detections WHERE frame_id = ? AND source = 'cloud'",
      )
      .pluck()
      .all(id);
    expect(models2).toEqual(['nanodet']);
  }, 60_000);

  it('the promotion survives a restart', async () => {
    await hub.close();
    hub = await start();
    const models = (await api('GET', '/v1/models')).json as {
      production: { model: string };
      promotions: unknown[];
    };
    expect(models.production.model).toBe('nanodet');
    expect(models.promotions).toHaveLength(1);
  }, 60_000);

  it("starts on hub.yaml's detector, saying why, when the promoted model's file is gone", async () => {
    hub.ledger
      .statement(
        'INSERT INTO model_promotions (at, actor, from_model, to_model, detector) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        Date.now(),
        'ops',
        'nanodet',
        'nanodet',
        JSON.stringify({ adapter: 'nanodet', file: 'gone/nanodet.onnx', min_score: 0.05 }),
      );
    await hub.close();
    const logged: { msg?: string }[] = [];
    hub = await startHub({
      configFile: h.configFile,
      logger: pino(
        { level: 'error' },
        { write: (line: string) => logged.push(JSON.parse(line) as { msg?: string }) },
      ),
      print: () => undefined,
      batchIntervalMs: 3_600_000,
      shadowIntervalMs: 100,
    });
    const models = (await api('GET', '/v1/models')).json as { production: { model: string } };
    expect(models.production.model).toBe('centernet');
    expect(logged.map((l) => l.msg)).toContain(
      "the promoted model did not open; running hub.yaml's detector",
    );
  }, 60_000);
});
