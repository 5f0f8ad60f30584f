// The audit log through the API: reviews and first use of a token from an address are
// recorded; operators read it filtered, paged and exported; nobody can change or delete it,
// not through the API and not with SQL (triggers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../cloud-hub/src/audit/log.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { addSample, as, startLoopHub, storeDetected } from '../quality/loop-harness.ts';
import type { LoopHub } from '../quality/loop-harness.ts';

let hub: LoopHub;
let sample = 0;
const T = Date.parse('2026-11-27T10:00:00Z');
let clock = T;

interface Page {
  items: AuditEntry[];
  nextCursor: string | null;
}

beforeAll(async () => {
  hub = await startLoopHub({}, () => clock);
  const f = makeFrame(0);
  storeDetected(hub.ledger, f, [{ label: 'person', score: 0.9, box: [1, 2, 30, 40], kept: true }]);
  sample = addSample(hub.ledger, f.frameId);
  for (const [who, verdict] of [
    ['rita', 'accepted'],
    ['ravi', 'rejected'],
    ['rita', 'fixed'],
  ] as const) {
    clock += 60_000;
    const r = await hub.post(
      `/v1/qa/samples/${sample}/review`,
      { verdict, label: 'person', score: 0.9, box: [1, 2, 30, 44] },
      who,
    );
    if (r.status !== 201) throw new Error(`review ${r.status}`);
  }
});
afterAll(() => hub.close());

describe('audit entries', () => {
  it('records every review with actor, role, time, target and what was decided', async () => {
    const p = await hub.get<Page>('/v1/audit?action=review');
    expect(
      p.items.map((e) => [e.actor, e.role, e.target, (e.diff as { verdict: string }).verdict]),
    ).toEqual([
      ['rita', 'reviewer', `sample:${sample}`, 'fixed'],
      ['ravi', 'reviewer', `sample:${sample}`, 'rejected'],
      ['rita', 'reviewer', `sample:${sample}`, 'accepted'],
    ]);
    expect(p.items[0]?.at).toBe(T + 180_000);
    expect(p.items[0]?.diff).toMatchObject({
      label: 'person',
      box: [1, 2, 30, 44],
      frameId: 'f000000',
    });
    expect(p.items[0]?.address).toBe('127.0.0.1');
  });

  it('records the first use of each token from an address, once', async () => {
    await hub.get('/v1/audit');
    await hub.get('/v1/audit');
    const p = await hub.get<Page>('/v1/audit?action=token.new-address');
    expect(p.items.map((e) => e.actor).sort()).toEqual(['olga', 'ravi', 'rita']);
    expect(p.items.every((e) => e.address === '127.0.0.1')).toBe(true);
  });
});

describe('reading the log', () => {
  it('filters by actor, target prefix and time', async () => {
    const byActor = await hub.get<Page>('/v1/audit?actor=ravi');
    expect(byActor.items.every((e) => e.actor === 'ravi')).toBe(true);
    expect(byActor.items.map((e) => e.action).sort()).toEqual(['review', 'token.new-address']);
    const byTarget = await hub.get<Page>('/v1/audit?target=sample:*');
    expect(byTarget.items).toHaveLength(3);
    const window = await hub.get<Page>(
      `/v1/audit?action=review&from=${new Date(T + 120_000).toISOString()}&to=${T + 180_000}`,
    );
    expect(window.items.map((e) => e.actor)).toEqual(['ravi']);
  });

  it('pages with a cursor, visiting every entry once, newest first', async () => {
    const all = await hub.get<Page>('/v1/audit?limit=500');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const p: Page = await hub.get<Page>(`/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.items.map((e) => e.id));
      cursor = p.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.id));
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('exports CSV and NDJSON with the same entries', async () => {
    const json = await hub.get<Page>('/v1/audit?action=review');
    const csv = await fetch(`${hub.base}/v1/audit?action=review&format=csv`, {
      headers: as('olga'),
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,time,actor,role,action,target,address,diff');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`,rita,reviewer,review,sample:${sample},127.0.0.1,"{""review"":`);
    const nd = await fetch(`${hub.base}/v1/audit?action=review&format=ndjson`, {
      headers: as('olga'),
    });
    const rows = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(rows.map((r) => r.id)).toEqual(json.items.map((e) => e.id));
  });

  it('is for operators only, and refuses bad filters clearly', async () => {
    const res = await fetch(`${hub.base}/v1/audit`, { headers: as('rita') });
    expect(res.status).toBe(403);
    const bad = await fetch(`${hub.base}/v1/audit?from=yesterday-ish`, { headers: as('olga') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(
      /from "yesterday-ish" is not a time/,
    );
    const action = await fetch(`${hub.base}/v1/audit?action=drop-table`, { headers: as('olga') });
    expect(action.status).toBe(400);
  });
});

describe('append-only', () => {
  it('no API method changes or deletes entries', async () => {
    const before = await hub.get<Page>('/v1/audit?limit=500');
    const id = before.items[0]?.id ?? 1;
    for (const [method, url] of [
      ['DELETE', '/v1/audit'],
      ['DELETE', `/v1/audit/${id}`],
      ['PUT', `/v1/audit/${id}`],
      ['PATCH', `/v1/audit/${id}`],
      ['POST', '/v1/audit'],
    ] as const) {
      const res = await fetch(`${hub.base}${url}`, {
        method,
        headers: { ...as('olga'), 'content-type': 'application/json' },
        body: JSON.stringify({ actor: 'nobody' }),
      });
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    const after = await hub.get<Page>('/v1/audit?limit=500');
    // Same entries, unchanged (the reads above only add nothing: olga's address is known).
    expect(after.items).toEqual(before.items);
  });

  it('a raw SQL UPDATE or DELETE fails on the trigger', () => {
    expect(() => hub.ledger.db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(
      /audit_log is append-only: entries cannot be changed/,
    );
    expect(() => hub.ledger.db.prepare('DELETE FROM audit_log').run()).toThrow(
      /audit_log is append-only: entries cannot be deleted/,
    );
    const n = hub.ledger.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    expect(n.n).toBeGreaterThan(0);
  });
});
