// `pretag report` as a subprocess against a real hub API (Fastify on loopback, a temp SQLite
// ledger seeded through the ledger's own ingest, job and edge-stats calls): JSON, CSV and HTML
// come out with figures matching a hand calculation, the HTML's embedded data equals the JSON
// exactly, and a bad token, a device token, a dead hub and a bad date each exit 1 with a
// clear message.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsPayloadSchema } from '@pretag/shared/mqtt/payloads';
import { freePort } from '../../helpers/free-port.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { OPERATOR_TOKEN, operator, SITE, startHub } from '../api/harness.ts';
import type { TestHub } from '../api/harness.ts';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process's event loop (the hub lives here). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRY, 'report', ...args],
      { env: { ...process.env, PRETAG_TOKEN: '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const counters = (c: Partial<Record<string, number>>) => ({
  decoded: 0,
  sampled: 0,
  gated: 0,
  inferred: 0,
  uploaded: 0,
  audited: 0,
  motion: 0,
  spooledBytes: 0,
  dropped: 0,
  ...c,
});

let hub: TestHub;
let outDir: string;

beforeAll(async () => {
  hub = await startHub();
  outDir = hub.dir;
  const stats = (windowStart: string, camera: string, c: ReturnType<typeof counters>) =>
    hub.ledger.edgeStats.record(
      statsPayloadSchema.parse({
        v: 1,
        site: SITE,
        device: 'orin-07',
        windowStart,
        windowEnd: windowStart.replace(':00:00', ':01:00'),
        cameras: { [camera]: c },
      }),
    );
  stats(
    '2026-11-27T08:00:00.000Z',
    'cam-0',
    counters({
      decoded: 1000,
      sampled: 100,
      gated: 40,
      inferred: 40,
      uploaded: 10,
      audited: 4,
      motion: 1,
    }),
  );
  stats(
    '2026-11-28T10:00:00.000Z',
    'cam-1',
    counters({ decoded: 200, sampled: 20, gated: 8, inferred: 8, uploaded: 4 }),
  );

  // cam-0: f1-f3 passed the pre-filter, f4-f7 are audit frames; all detected in the cloud.
  for (let i = 1; i <= 7; i++)
    hub.ledger.frames.ingestFrame(
      makeFrame(i, {
        camera: 'cam-0',
        capturedAt: `2026-11-27T08:0${i}:00.000Z`,
        bytes: 40_000,
        reason: i <= 3 ? 'prefilter' : 'audit',
      }),
      1_000 + i,
    );
  const person = {
    label: 'person',
    score: 0.9,
    box: [0, 0, 50, 100] as [number, number, number, number],
  };
  const cloud: Record<string, { kept?: boolean; dropReason?: string }[]> = {
    f000001: [{ kept: true }],
    f000002: [{ kept: true }],
    f000003: [{ kept: false, dropReason: 'min_score' }],
    f000004: [{ kept: true }], // an audit frame with an object: a pre-filter miss
    f000005: [],
    f000006: [{ kept: false, dropReason: 'classes' }],
    f000007: [],
  };
  const jobs = hub.ledger.jobs.lease('w', 7, 60_000, 5_000);
  expect(jobs).toHaveLength(7);
  for (const job of jobs) {
    const dets = (cloud[job.frameId] ?? []).map((d) => ({ ...person, ...d }));
    const r = hub.ledger.jobs.complete(
      job.id,
      'w',
      { modelId: 'centernet', detections: dets },
      1000,
      6_000,
    );
    if (!r.ok) throw new Error(r.message);
  }
  // cam-1: one frame, not detected yet.
  hub.ledger.frames.ingestFrame(
    makeFrame(8, { camera: 'cam-1', capturedAt: '2026-11-28T10:30:00.000Z', bytes: 30_000 }),
    2_000,
  );

  // 20 reviews of cam-0 person boxes scored 0.40, just above the 0.35 threshold; 18 rejected.
  const at = Date.parse('2026-11-27T12:00:00.000Z');
  const db = hub.ledger.db;
  db.prepare(
    `INSERT INTO batches (id, site, camera, day, status, created_at, updated_at)
     VALUES ('b1', ?, 'cam-0', '2026-11-27', 'in-review', ?, ?)`,
  ).run(SITE, at, at);
  const sample = db
    .prepare(
      `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, status, created_at)
       VALUES ('b1', 'f000001', '[]', 's', 'reviewed', ?)`,
    )
    .run(at).lastInsertRowid;
  const review = db.prepare(
    `INSERT INTO reviews (sample_id, frame_id, camera, reviewer, verdict, label, score, created_at)
     VALUES (?, 'f000001', 'cam-0', 'rita', ?, 'person', 0.4, ?)`,
  );
  for (let i = 0; i < 20; i++) review.run(sample, i < 18 ? 'rejected' : 'accepted', at + i);
});
afterAll(() => hub.close());

const RANGE = ['--from', '2026-11-27', '--to', '2026-11-28'];

interface Doc {
  rows: { camera: string; day: string }[];
  total: { frames: { sampled: number }; annotation: { withoutPretag: { usd: number } } };
  byDay: { day: string }[];
  recall: {
    input: Record<string, number>;
    estimate: { ok: boolean; recall?: number };
  };
  projection: { ok: boolean; result?: { cameras: number; perMonthUsd: { withoutPretag: number } } };
  thresholds: {
    camera: string;
    label: string;
    current: number;
    suggested: number;
    action: string;
  }[];
}

describe('pretag report against a real hub', () => {
  let json: Doc;

  it('JSON (token from PRETAG_TOKEN) has rows, recall, projection and suggestions as worked by hand', async () => {
    const r = await runCli(['--hub', hub.base, ...RANGE], { PRETAG_TOKEN: OPERATOR_TOKEN });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    json = JSON.parse(r.stdout) as Doc;
    expect(json.rows.map((x) => [x.camera, x.day])).toEqual([
      ['cam-0', '2026-11-27'],
      ['cam-1', '2026-11-28'],
    ]);
    expect(json.byDay.map((d) => d.day)).toEqual(['2026-11-27', '2026-11-28']);
    expect(json.total.frames.sampled).toBe(120);
    // P: f1, f2 kept a box. R: inferred 48 − (uploaded 14 − audited 4 − motion 1) = 39.
    // A: 4 audit frames detected; m: f4.
    expect(json.recall.input).toEqual({ positives: 2, rejected: 39, audited: 4, misses: 1 });
    // Missed ≈ 1/4 × 39 = 9.75; recall = 2 / 11.75.
    expect(json.recall.estimate.ok).toBe(true);
    expect(json.recall.estimate.recall).toBeCloseTo(2 / 11.75, 12);
    // 120 sampled × $0.05 = $6 over 2 cameras and 2 days → 1000 cameras × 30 days = $45 000.
    expect(json.projection.result?.cameras).toBe(1000);
    expect(json.projection.result?.perMonthUsd.withoutPretag).toBeCloseTo(45_000, 9);
    // 18 of 20 rejected in [0.35, 0.45): Wilson low ≈ 0.70 > 0.5 → raise by 0.05.
    expect(json.thresholds).toEqual([
      expect.objectContaining({
        camera: 'cam-0',
        label: 'person',
        current: 0.35,
        suggested: 0.4,
        action: 'raise',
      }),
    ]);
    // What the CLI wrote is what the API serves.
    const api = await fetch(`${hub.base}/v1/reports/daily?from=2026-11-27&to=2026-11-28`, {
      headers: operator,
    });
    expect(await api.json()).toEqual(json);
  });

  it('--cameras sets the projection size', async () => {
    const r = await runCli([
      '--hub',
      hub.base,
      '--token',
      OPERATOR_TOKEN,
      ...RANGE,
      '--cameras',
      '10',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    // $6 over 2 cameras × 2 days → 10 cameras × 30 days = $450.
    expect(doc.projection.result?.cameras).toBe(10);
    expect(doc.projection.result?.perMonthUsd.withoutPretag).toBeCloseTo(450, 9);
  });

  it('CSV to a file: one line per camera-day and a TOTAL line', async () => {
    const out = path.join(outDir, 'r.csv');
    const r = await runCli([
      '--hub',
      hub.base,
      '--token',
      OPERATOR_TOKEN,
      ...RANGE,
      '--format',
      'csv',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote .*r\.csv \(\d+ bytes\)\n$/);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^site,camera,day,decoded,sampled,/);
    expect(lines[1]).toMatch(new RegExp(`^${SITE},cam-0,2026-11-27,1000,100,`));
    expect(lines[3]).toMatch(/^TOTAL,,2026-11-27\.\.2026-11-28,1200,120,/);
  });

  it('HTML to a file: the embedded data is the JSON report exactly, and figures show', async () => {
    const out = path.join(outDir, 'r.html');
    const r = await runCli([
      '--hub',
      hub.base,
      '--token',
      OPERATOR_TOKEN,
      ...RANGE,
      '--format',
      'html',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(
      html,
    )?.[1];
    expect(JSON.parse(data ?? 'null')).toEqual(json);
    expect(html).toContain('<dt>Annotation without pre-tagging</dt><dd>$6.00</dd>');
    expect(html).toContain('$45,000.00');
    // Accept: text/html on the API serves the same page.
    const viaAccept = await fetch(`${hub.base}/v1/reports/daily?from=2026-11-27&to=2026-11-28`, {
      headers: { ...operator, accept: 'text/html' },
    });
    expect(viaAccept.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await viaAccept.text()).toBe(html);
  });

  it('a wrong token exits 1 saying the hub refused it (401)', async () => {
    const r = await runCli(['--hub', hub.base, '--token', 'not-a-token', ...RANGE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `pretag: the hub at ${hub.base} refused the token (401 unauthorized)`,
    );
    expect(r.stderr).toContain('check --token or PRETAG_TOKEN');
  });

  it('a device token exits 1 saying reports need an operator or reviewer (403)', async () => {
    const token = hub.devices.a.bearer.replace(/^Bearer /, '');
    const r = await runCli(['--hub', hub.base, '--token', token, ...RANGE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(403 forbidden)');
    expect(r.stderr).toContain('reports need an operator or reviewer token');
  });

  it('an unreachable hub exits 1 naming the hub and the cause', async () => {
    // Nothing listens there (freePort: not a port the kernel is about to hand to another server).
    const port = await freePort();
    const r = await runCli([
      '--hub',
      `http://127.0.0.1:${port}`,
      '--token',
      OPERATOR_TOKEN,
      ...RANGE,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `pretag: cannot reach the hub at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });

  it('a server that is not a hub (200 with some other page) exits 1', async () => {
    const other = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in to the proxy</body></html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const r = await runCli(['--hub', base, '--token', OPERATOR_TOKEN, ...RANGE]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${base} answered, but not with a json report`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('bad dates, a missing token and a bad URL exit 1 before any request', async () => {
    const bad = await runCli([
      '--hub',
      hub.base,
      '--token',
      't',
      '--from',
      '2026-02-30',
      '--to',
      '2026-03-01',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--from: expected a day YYYY-MM-DD (UTC)');
    const reversed = await runCli([
      '--hub',
      hub.base,
      '--token',
      't',
      '--from',
      '2026-11-28',
      '--to',
      '2026-11-27',
    ]);
    expect(reversed.code).toBe(1);
    expect(reversed.stderr).toContain('--from 2026-11-28 is after --to 2026-11-27');
    const noToken = await runCli(['--hub', hub.base, ...RANGE]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('no token: give --token or set PRETAG_TOKEN');
    const badUrl = await runCli(['--hub', 'hub.local:8080', '--token', 't', ...RANGE]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('--hub: expected an http:// or https:// URL');
  });
});
