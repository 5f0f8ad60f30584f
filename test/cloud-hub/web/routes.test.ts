// The API routes the pages use, and the pages' static files, over real HTTP against a real
// ledger: one sample in full (with its fallback once retention deleted the frame), QA progress,
// a batch's frames without exporting it, who-am-I, and week-against-week drift checked against
// a hand-calculated chi-square.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchRegistry } from '../../../cloud-hub/src/batches/registry.ts';
import { SHARED_MODULES } from '../../../cloud-hub/src/web/serve-web.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { operator, reviewer, SITE, startHub } from '../api/harness.ts';
import type { TestHub } from '../api/harness.ts';

let hub: TestHub;
type Det = { label: string; score: number; box: [number, number, number, number]; kept: boolean };

const DAY = 86_400_000;
const TO = '2026-11-27';
const toEnd = Date.parse(`${TO}T00:00:00Z`) + DAY;

/** Stores a frame and completes its detection job with `dets` as the cloud's boxes. */
function detected(i: number, camera: string, capturedMs: number, dets: Det[]): string {
  const f = makeFrame(i, { camera, capturedAt: new Date(capturedMs).toISOString() });
  hub.ledger.frames.ingestFrame(f, capturedMs);
  const [job] = hub.ledger.jobs.lease('w', 1, 60_000, capturedMs);
  if (job?.frameId !== f.frameId) throw new Error(`unexpected job ${job?.frameId}`);
  const r = hub.ledger.jobs.complete(
    job.id,
    'w',
    {
      modelId: 'centernet',
      detections: dets.map((d) => ({ ...d, ...(d.kept ? {} : { dropReason: 'min_score' }) })),
    },
    100,
    capturedMs,
  );
  if (!r.ok) throw new Error(r.message);
  return f.frameId;
}

const many = (label: string, n: number): Det[] =>
  Array.from({ length: n }, (_, k) => ({
    label,
    score: 0.8,
    box: [k, k, k + 10, k + 10],
    kept: true,
  }));

let sampleId = 0;
let batchId = '';
let frameA = '';

beforeAll(async () => {
  hub = await startHub();
  // Two frames for the sample and batch tests, a day before TO.
  const t = toEnd - 2 * DAY;
  frameA = detected(1, 'gate', t, [
    { label: 'person', score: 0.9, box: [100, 50, 200, 400], kept: true },
    { label: 'kite', score: 0.2, box: [0, 0, 5, 5], kept: false },
  ]);
  detected(2, 'gate', t + 1000, [
    { label: 'car', score: 0.7, box: [300, 300, 500, 420], kept: true },
  ]);
  const reg = createBatchRegistry(hub.ledger, { policy: { groupBy: 'every-n', size: 2 } });
  reg.assignDetected(t + 2000);
  batchId = hub.ledger.db.prepare('SELECT id FROM batches LIMIT 1').pluck().get() as string;
  sampleId = Number(
    hub.ledger.db
      .prepare(
        "INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, status, created_at) VALUES (?, ?, ?, 's', 'pending', ?)",
      )
      .run(
        batchId,
        frameA,
        JSON.stringify([{ reason: 'near-threshold', tags: ['near-threshold'] }]),
        t,
      ).lastInsertRowid,
  );

  // Drift: camera "dock" swaps its person/car mix (60/40 → 40/60: χ² = 8 by hand);
  // camera "yard" keeps 50/50 at both volumes (χ² = 0). Frames carry 20 boxes each.
  let i = 100;
  const week = (camera: string, startMs: number, person: number, car: number) => {
    for (let k = 0; k < person / 20; k++)
      detected(i++, camera, startMs + k * 1000, many('person', 20));
    for (let k = 0; k < car / 20; k++)
      detected(i++, camera, startMs + 500_000 + k * 1000, many('car', 20));
  };
  week('dock', toEnd - 10 * DAY, 60, 40);
  week('dock', toEnd - 3 * DAY, 40, 60);
  week('yard', toEnd - 10 * DAY, 40, 40);
  week('yard', toEnd - 3 * DAY, 80, 80);
});
afterAll(() => hub.close());

const get = async <T>(path: string, headers: Record<string, string> = reviewer) => {
  const res = await fetch(`${hub.base}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
};

describe('GET /v1/me', () => {
  it('says who the token belongs to, and refuses a call without one', async () => {
    expect((await get('/v1/me', operator)).body).toEqual({ name: 'olga', role: 'operator' });
    expect((await get('/v1/me', reviewer)).body).toEqual({ name: 'rita', role: 'reviewer' });
    expect((await get('/v1/me', {})).status).toBe(401);
  });
});

interface Detail {
  frameId: string;
  camera: string;
  width: number;
  height: number;
  imageUrl: string;
  boxes: { source: string; label: string; score: number; box: number[] }[];
  reviews: { verdict: string; label: string; box: number[] | null }[];
  reasons: unknown;
}

describe('one QA sample in full', () => {
  it('has the edge boxes and only the kept cloud boxes, each with its source', async () => {
    const { status, body } = await get<Detail>(`/v1/qa/samples/${sampleId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ frameId: frameA, camera: 'gate', width: 1280, height: 720 });
    expect(body.imageUrl).toMatch(/^\/v1\/blobs\/frames\//);
    expect(body.reasons).toEqual([{ reason: 'near-threshold', tags: ['near-threshold'] }]);
    // makeFrame's two edge boxes, and the person the cloud kept (the kite was dropped).
    expect(body.boxes).toEqual([
      { source: 'edge', label: 'person', score: 0.81, box: [10, 20, 110, 320] },
      { source: 'edge', label: 'car', score: 0.42, box: [400, 300, 700, 500] },
      { source: 'cloud', label: 'person', score: 0.9, box: [100, 50, 200, 400] },
    ]);
  });

  it('lists its reviews, and progress counts it as reviewed', async () => {
    expect((await get('/v1/qa/progress')).body).toEqual({ total: 1, pending: 1, reviewed: 0 });
    const post = await fetch(`${hub.base}/v1/qa/samples/${sampleId}/review`, {
      method: 'POST',
      headers: { ...reviewer, 'content-type': 'application/json' },
      body: JSON.stringify({
        verdict: 'rejected',
        label: 'person',
        score: 0.9,
        box: [100, 50, 200, 400],
      }),
    });
    expect(post.status).toBe(201);
    const { body } = await get<Detail>(`/v1/qa/samples/${sampleId}`);
    expect(body.reviews).toMatchObject([
      { verdict: 'rejected', label: 'person', box: [100, 50, 200, 400] },
    ]);
    expect((await get('/v1/qa/progress')).body).toEqual({ total: 1, pending: 0, reviewed: 1 });
    expect((await get(`/v1/qa/progress?batch=${batchId}`)).body).toMatchObject({ reviewed: 1 });
    expect((await get('/v1/qa/progress?batch=none')).body).toEqual({
      total: 0,
      pending: 0,
      reviewed: 0,
    });
  });

  it('answers 404 with a message for an unknown sample', async () => {
    const r = await get<{ error: string; message: string }>('/v1/qa/samples/999999');
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('no QA sample 999999');
  });
});

describe("a batch's frames", () => {
  it('lists the frames with their kept boxes as xywh, without exporting the batch', async () => {
    const r = await get<{
      items: { frameId: string; width: number; boxes: { label: string; bbox: number[] }[] }[];
    }>(`/v1/batches/${batchId}/frames`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((f) => [f.frameId, f.width, f.boxes])).toEqual([
      [frameA, 1280, [{ label: 'person', score: 0.9, bbox: [100, 50, 100, 350] }]],
      ['f000002', 1280, [{ label: 'car', score: 0.7, bbox: [300, 300, 200, 120] }]],
    ]);
    const batch = await get<{ status: string }>(`/v1/batches/${batchId}`);
    expect(batch.body.status).toBe('ready');
    expect((await get('/v1/batches/nope/frames')).status).toBe(404);
  });

  it('still shows a sample after retention deleted its frame, from what the batch kept', async () => {
    hub.ledger.db.prepare('DELETE FROM frames WHERE frame_id = ?').run(frameA);
    const { body } = await get<Detail>(`/v1/qa/samples/${sampleId}`);
    expect(body.width).toBe(1280);
    expect(body.boxes).toEqual([
      { source: 'cloud', label: 'person', score: 0.9, box: [100, 50, 200, 400] },
    ]);
  });
});

describe('GET /v1/drift/class-mix', () => {
  it('flags the camera whose class mix changed week against week (χ² = 8, df 1)', async () => {
    const r = await get<{
      weeks: { previous: { from: string; to: string }; current: { from: string; to: string } };
      cameras: {
        camera: string;
        previous: object;
        current: object;
        result: { drifted: boolean; statistic?: number; df?: number; pValue?: number };
      }[];
    }>(`/v1/drift/class-mix?to=${TO}&site=${SITE}`);
    expect(r.status).toBe(200);
    expect(r.body.weeks).toEqual({
      previous: { from: '2026-11-14', to: '2026-11-20' },
      current: { from: '2026-11-21', to: '2026-11-27' },
    });
    const dock = r.body.cameras.find((c) => c.camera === 'dock');
    expect(dock?.previous).toEqual({ person: 60, car: 40 });
    expect(dock?.current).toEqual({ person: 40, car: 60 });
    expect(dock?.result.statistic).toBeCloseTo(8, 10);
    expect(dock?.result.df).toBe(1);
    // erfc(2), the df = 1 tail at 8.
    expect(dock?.result.pValue).toBeCloseTo(0.004677734981047266, 10);
    expect(dock?.result.drifted).toBe(true);
    const yard = r.body.cameras.find((c) => c.camera === 'yard');
    expect(yard?.result).toMatchObject({ drifted: false, statistic: 0 });
    // The "gate" camera has one box a week at most: not tested, with the reason.
    const gate = r.body.cameras.find((c) => c.camera === 'gate');
    expect(gate?.result).toMatchObject({ tested: false, drifted: false });
  });

  it('refuses a day that does not exist', async () => {
    const r = await get<{ message: string }>('/v1/drift/class-mix?to=2026-02-30');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/not a real day/);
  });
});

describe('the pages', () => {
  it('serves the app without a token, with a strict content security policy', async () => {
    const res = await fetch(`${hub.base}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await res.text()).toContain('<script type="module" src="app.js">');
    const redirect = await fetch(`${hub.base}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const missing = await fetch(`${hub.base}/ui/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe('no page /ui/nope.js');
  });

  it("serves the report's formatter as JavaScript a browser can run", async () => {
    const res = await fetch(`${hub.base}/ui/lib/report/format.ts`);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const js = await res.text();
    expect(js).not.toMatch(/export type|: number/);
    const mod = (await import(`data:text/javascript,${encodeURIComponent(js)}`)) as {
      formatFigure: (v: number | null, kind: string) => string;
    };
    // en-US currency and decimal-unit bytes, written out by hand.
    expect(mod.formatFigure(1234.5, 'usd')).toBe('$1,234.50');
    expect(mod.formatFigure(22_780, 'bytes')).toBe('22.78 kB');
    expect(mod.formatFigure(null, 'count')).toBe('—');
  });

  it('serves every module the report renderer imports, so the dashboard loads in a browser', async () => {
    for (const name of SHARED_MODULES) {
      const js = await (await fetch(`${hub.base}/ui/lib/report/${name}`)).text();
      // Only relative imports of other served modules may remain once types are stripped.
      for (const m of js.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gm))
        expect(SHARED_MODULES as readonly string[], `${name} imports ${m[1]}`).toContain(
          (m[1] ?? '').replace(/^\.\//, ''),
        );
    }
  });
});
