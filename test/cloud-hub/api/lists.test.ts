// The JSON lists and actions over real HTTP: keyset pagination visits every row once, frame
// detail carries edge and cloud boxes, dead jobs can be listed and requeued, reviewers record
// verdicts, batches show their QA progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { operator, reviewer, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

const N_FRAMES = 23;
let hub: TestHub;

beforeAll(async () => {
  // One attempt per job, so a single failure dead-letters it.
  hub = await startHub({ ledger: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } } });
  for (let i = 0; i < N_FRAMES; i++) {
    const r = hub.ledger.frames.ingestFrame(
      makeFrame(i, i % 5 === 0 ? { reason: 'audit' } : {}),
      1_000 + i,
    );
    if (r.status !== 'inserted') throw new Error(`fixture frame ${i} not stored`);
  }
});
afterAll(() => hub.close());

async function getJson<T>(path: string, headers: Record<string, string> = operator): Promise<T> {
  const res = await fetch(`${hub.base}${path}`, { headers });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function walk<T>(path: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const p: Page<T> = await getJson<Page<T>>(url);
    items.push(...p.items);
    cursor = p.nextCursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

describe('pagination', () => {
  it('walks all frames exactly once, in capture order', async () => {
    const { items, pages } = await walk<{ frameId: string }>('/v1/frames', 5);
    const ids = items.map((f) => f.frameId);
    const expected = Array.from({ length: N_FRAMES }, (_, i) => `f${String(i).padStart(6, '0')}`);
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.ceil(N_FRAMES / 5));
  });

  it('filters by camera, reason and time, and pages the filtered set exactly once', async () => {
    // Frames are on cam-(i % 3): cam-1 holds i = 1, 4, 7, ..., 22.
    const cam1 = await walk<{ frameId: string; camera: string }>('/v1/frames?camera=cam-1', 3);
    expect(cam1.items.map((f) => f.frameId)).toEqual(
      [1, 4, 7, 10, 13, 16, 19, 22].map((i) => `f${String(i).padStart(6, '0')}`),
    );
    const audits = await walk<{ reason: string }>('/v1/frames?reason=audit', 2);
    expect(audits.items).toHaveLength(5); // i = 0, 5, 10, 15, 20
    // makeFrame captures frame i at 08:00:00 + i s; [08:00:10, 08:00:15) holds i = 10..14.
    const window = await walk<{ frameId: string }>(
      '/v1/frames?from=2026-11-27T08:00:10Z&to=2026-11-27T08:00:15Z',
      500,
    );
    expect(window.items.map((f) => f.frameId)).toEqual(
      [10, 11, 12, 13, 14].map((i) => `f${String(i).padStart(6, '0')}`),
    );
  });

  it('pages cameras exactly once', async () => {
    const { items } = await walk<{ camera: string }>('/v1/cameras', 1);
    expect(items.map((c) => c.camera)).toEqual(['cam-0', 'cam-1', 'cam-2']);
  });

  it('refuses a limit over 500 and a cursor it did not hand out (400)', async () => {
    for (const q of [
      'limit=501',
      'limit=0',
      'cursor=abc',
      `cursor=${Buffer.from('[1]').toString('base64url')}`,
    ]) {
      const res = await fetch(`${hub.base}/v1/frames?${q}`, { headers: operator });
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad-request' });
    }
  });
});

describe('frames, jobs', () => {
  it('shows a frame with its edge and cloud detections', async () => {
    const [job] = hub.ledger.jobs.lease('test-worker', 1, 60_000, 2_000);
    if (!job) throw new Error('no job');
    const done = hub.ledger.jobs.complete(
      job.id,
      'test-worker',
      {
        modelId: 'centernet-fp32',
        detections: [
          { label: 'person', score: 0.9, box: [12, 22, 108, 318], kept: true },
          { label: 'kite', score: 0.31, box: [0, 0, 5, 5], kept: false, dropReason: 'min_area' },
        ],
      },
      120,
      3_000,
    );
    expect(done).toEqual({ ok: true });
    const f = await getJson<{
      frameId: string;
      state: string;
      imageUrl: string;
      detections: {
        edge: { label: string }[];
        cloud: { label: string; kept: boolean | null; dropReason: string | null }[];
      };
    }>(`/v1/frames/${job.frameId}`, reviewer);
    expect(f.state).toBe('detected');
    expect(f.imageUrl).toBe(`/v1/blobs/${job.blobKey}`);
    expect(f.detections.edge.map((d) => d.label)).toEqual(['person', 'car']);
    expect(f.detections.cloud).toEqual([
      expect.objectContaining({ label: 'person', kept: true, dropReason: null }),
      expect.objectContaining({ label: 'kite', kept: false, dropReason: 'min_area' }),
    ]);
    const missing = await fetch(`${hub.base}/v1/frames/no-such-frame`, { headers: operator });
    expect(missing.status).toBe(404);
  });

  it('lists dead jobs and requeues one: 200, then 409 (no longer dead), 404 for unknown ids', async () => {
    const leased = hub.ledger.jobs.lease('test-worker', 2, 60_000, 4_000);
    expect(leased).toHaveLength(2);
    for (const j of leased) hub.ledger.jobs.fail(j.id, 'test-worker', 'decoder exploded', 5_000);
    const dead = await walk<{ id: number; lastError: string }>('/v1/jobs/dead', 1);
    expect(dead.items.map((j) => j.id).sort()).toEqual(leased.map((j) => j.id).sort());
    expect(dead.items[0]?.lastError).toBe('decoder exploded');

    const id = leased[0]?.id ?? 0;
    const requeue = () =>
      fetch(`${hub.base}/v1/jobs/${id}/requeue`, { method: 'POST', headers: operator });
    const first = await requeue();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ id, state: 'queued' });
    expect(hub.ledger.jobs.get(id)?.state).toBe('queued');
    expect((await requeue()).status).toBe(409);
    const unknown = await fetch(`${hub.base}/v1/jobs/999999/requeue`, {
      method: 'POST',
      headers: operator,
    });
    expect(unknown.status).toBe(404);
    const notANumber = await fetch(`${hub.base}/v1/jobs/abc/requeue`, {
      method: 'POST',
      headers: operator,
    });
    expect(notANumber.status).toBe(400);
  });
});

describe('batches and QA reviews', () => {
  let sampleId = 0;
  beforeAll(() => {
    // The batch and sample rows as the batching and QA stages store them.
    const db = hub.ledger.db;
    db.prepare(
      `INSERT INTO batches (id, site, camera, day, status, frame_count, created_at, updated_at, meta)
       VALUES ('b-2026-11-27-cam-1', 'dublin-plant-2', 'cam-1', '2026-11-27', 'in-review', 8, 10, 10, '{"rule":"camera-day"}')`,
    ).run();
    db.prepare(
      `INSERT INTO batches (id, site, camera, day, status, frame_count, created_at, updated_at)
       VALUES ('b-2026-11-27-cam-2', 'dublin-plant-2', 'cam-2', '2026-11-27', 'open', 7, 20, 20)`,
    ).run();
    sampleId = Number(
      db
        .prepare(
          `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, status, created_at)
           VALUES ('b-2026-11-27-cam-1', 'f000004', '["near-threshold"]', '1', 'pending', 11)`,
        )
        .run().lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, status, created_at)
       VALUES ('b-2026-11-27-cam-1', 'f000007', '["stratified"]', '1', 'pending', 11)`,
    ).run();
  });

  it('lists batches and shows one with its QA progress', async () => {
    const list = await getJson<Page<{ id: string }>>('/v1/batches', reviewer);
    expect(list.items.map((b) => b.id)).toEqual(['b-2026-11-27-cam-1', 'b-2026-11-27-cam-2']);
    const open = await getJson<Page<{ id: string }>>('/v1/batches?status=open', reviewer);
    expect(open.items.map((b) => b.id)).toEqual(['b-2026-11-27-cam-2']);
    const b = await getJson<{ meta: unknown; qa: unknown; frameCount: number }>(
      '/v1/batches/b-2026-11-27-cam-1',
    );
    expect(b).toMatchObject({
      frameCount: 8,
      meta: { rule: 'camera-day' },
      qa: { samples: 2, pending: 2, reviewed: 0 },
    });
    expect((await fetch(`${hub.base}/v1/batches/nope`, { headers: operator })).status).toBe(404);
  });

  it('records a reviewer verdict under the reviewer’s name and marks the sample reviewed', async () => {
    const samples = await getJson<
      Page<{ id: number; camera: string; imageUrl: string; reasons: unknown }>
    >('/v1/qa/samples?status=pending', reviewer);
    expect(samples.items).toHaveLength(2);
    expect(samples.items[0]).toMatchObject({ camera: 'cam-1', reasons: ['near-threshold'] });
    expect(samples.items[0]?.imageUrl).toMatch(/^\/v1\/blobs\/frames\/dublin-plant-2\/cam-1\//);

    const res = await fetch(`${hub.base}/v1/qa/samples/${sampleId}/review`, {
      method: 'POST',
      headers: { ...reviewer, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'rejected', label: 'car', score: 0.42 }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      reviewer: 'rita',
      verdict: 'rejected',
      camera: 'cam-1',
    });
    const stored = hub.ledger.db
      .prepare('SELECT reviewer, verdict, label, score, camera, frame_id AS frameId FROM reviews')
      .all();
    expect(stored).toEqual([
      {
        reviewer: 'rita',
        verdict: 'rejected',
        label: 'car',
        score: 0.42,
        camera: 'cam-1',
        frameId: 'f000004',
      },
    ]);
    const after = await getJson<Page<unknown>>('/v1/qa/samples?status=pending', reviewer);
    expect(after.items).toHaveLength(1);
  });

  it('refuses malformed verdicts with 400 and unknown samples with 404', async () => {
    const post = (id: number, body: unknown) =>
      fetch(`${hub.base}/v1/qa/samples/${id}/review`, {
        method: 'POST',
        headers: { ...reviewer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const body of [
      { verdict: 'missed', label: 'person' }, // a missed object needs its box
      { verdict: 'maybe', label: 'car' },
      { verdict: 'accepted' },
      { verdict: 'fixed', label: 'truck', box: [10, 10, 5, 20] },
      { verdict: 'accepted', label: 'car', extra: 1 },
    ]) {
      const res = await post(sampleId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad-request' });
    }
    expect((await post(987654, { verdict: 'accepted', label: 'car' })).status).toBe(404);
    const big = await fetch(`${hub.base}/v1/qa/samples/${sampleId}/review`, {
      method: 'POST',
      headers: { ...reviewer, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'accepted', label: 'car', note: 'x'.repeat(200_000) }),
    });
    expect(big.status).toBe(413);
  });
});
