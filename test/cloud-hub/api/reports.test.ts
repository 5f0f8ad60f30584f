// The daily report over real HTTP: JSON figures checked against a hand calculation from the
// counters fed in, and the CSV form parsed back and compared with the JSON, cell by cell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsPayloadSchema } from '@pretag/shared/mqtt/payloads';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { operator, reviewer, SITE, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

let hub: TestHub;

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

beforeAll(async () => {
  hub = await startHub();
  const stats = (windowStart: string, cameras: Record<string, ReturnType<typeof counters>>) =>
    hub.ledger.edgeStats.record(
      statsPayloadSchema.parse({
        v: 1,
        site: SITE,
        device: 'orin-07',
        windowStart,
        windowEnd: windowStart.replace(':00:00', ':01:00'),
        cameras,
      }),
    );
  // cam-0 on 27 Nov, two hours; cam-1 on 28 Nov.
  stats('2026-11-27T08:00:00.000Z', {
    'cam-0': counters({
      decoded: 1000,
      sampled: 100,
      gated: 40,
      inferred: 40,
      uploaded: 10,
      audited: 2,
      motion: 1,
    }),
  });
  stats('2026-11-27T09:00:00.000Z', {
    'cam-0': counters({
      decoded: 500,
      sampled: 50,
      gated: 20,
      inferred: 20,
      uploaded: 5,
      audited: 1,
    }),
  });
  stats('2026-11-28T10:00:00.000Z', {
    'cam-1': counters({ decoded: 200, sampled: 20, gated: 8, inferred: 8, uploaded: 4 }),
  });
  // Outside the range: must not count.
  stats('2026-11-29T10:00:00.000Z', { 'cam-1': counters({ sampled: 999, uploaded: 99 }) });

  const frame = (i: number, camera: string, capturedAt: string, bytes: number) =>
    hub.ledger.frames.ingestFrame(makeFrame(i, { camera, capturedAt, bytes }), 1_000 + i);
  frame(1, 'cam-0', '2026-11-27T08:10:00.000Z', 100_000);
  frame(2, 'cam-0', '2026-11-27T08:20:00.000Z', 200_000);
  frame(3, 'cam-0', '2026-11-27T09:30:00.000Z', 300_000);
  frame(4, 'cam-1', '2026-11-28T10:30:00.000Z', 50_000);

  const cloud = {
    f000001: {
      ms: 1500,
      detections: [
        { label: 'person', score: 0.9, box: [0, 0, 50, 100] as const, kept: true },
        { label: 'car', score: 0.7, box: [100, 100, 300, 200] as const, kept: true },
        {
          label: 'kite',
          score: 0.2,
          box: [0, 0, 2, 2] as const,
          kept: false,
          dropReason: 'min_score',
        },
      ],
    },
    f000002: {
      ms: 500,
      detections: [
        {
          label: 'dog',
          score: 0.3,
          box: [0, 0, 9, 9] as const,
          kept: false,
          dropReason: 'classes',
        },
      ],
    },
  } as const;
  // f000003 and f000004 stay undetected.
  for (let n = 0; n < 2; n++) {
    const [job] = hub.ledger.jobs.lease('w', 1, 60_000, 5_000);
    const c = job && cloud[job.frameId as keyof typeof cloud];
    if (!job || !c) throw new Error(`unexpected job ${job?.frameId}`);
    const r = hub.ledger.jobs.complete(
      job.id,
      'w',
      {
        modelId: 'centernet',
        detections: c.detections.map((d) => ({
          ...d,
          box: [...d.box] as [number, number, number, number],
        })),
      },
      c.ms,
      6_000,
    );
    if (!r.ok) throw new Error(r.message);
  }
});
afterAll(() => hub.close());

interface Row {
  site: string;
  camera: string;
  day: string;
  report: {
    frames: Record<string, number>;
    bytes: { uploaded: number; ifAllSampledSent: number | null; saved: number | null };
    detections: { before: number; after: number };
    annotation: {
      withoutPretag: { usd: number };
      withPretag: { usd: number; pretaggedFrames: number };
      savedUsd: number;
    };
    infrastructure: { computeSeconds: number; totalUsd: number };
    totalWithPretagUsd: number;
  };
}

const URL_PATH = '/v1/reports/daily?from=2026-11-27&to=2026-11-28';

describe('daily report', () => {
  it('JSON figures match a hand calculation at the default prices', async () => {
    const res = await fetch(`${hub.base}${URL_PATH}`, { headers: reviewer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: Row[]; total: Row['report'] };
    expect(body.rows.map((r) => [r.site, r.camera, r.day])).toEqual([
      [SITE, 'cam-0', '2026-11-27'],
      [SITE, 'cam-1', '2026-11-28'],
    ]);
    const cam0 = body.rows[0]?.report;
    expect(cam0?.frames).toEqual({
      decoded: 1500,
      sampled: 150,
      gated: 60,
      inferred: 60,
      uploaded: 15,
      audited: 3,
      motion: 1,
    });
    expect(cam0?.bytes.uploaded).toBe(600_000);
    // mean uploaded frame 600 000 / 15 = 40 000 B; all 150 sampled frames = 6 000 000 B.
    expect(cam0?.bytes.ifAllSampledSent).toBe(6_000_000);
    expect(cam0?.bytes.saved).toBe(5_400_000);
    expect(cam0?.infrastructure.computeSeconds).toBeCloseTo(2, 12);
    expect(cam0?.detections).toMatchObject({ before: 4, after: 2 });
    // Without pre-tagging 150 × $0.05; with it 14 frames × $0.05 + 1 pre-tagged × $0.01.
    expect(cam0?.annotation.withoutPretag.usd).toBeCloseTo(7.5, 12);
    expect(cam0?.annotation.withPretag.pretaggedFrames).toBe(1);
    expect(cam0?.annotation.withPretag.usd).toBeCloseTo(0.71, 12);
    const cam1 = body.rows[1]?.report;
    expect(cam1?.frames.sampled).toBe(20);
    expect(cam1?.bytes.uploaded).toBe(50_000);
    expect(body.total.frames.sampled).toBe(170);
    expect(body.total.bytes.uploaded).toBe(650_000);
  });

  it('CSV (Accept: text/csv or ?format=csv) parses and matches the JSON numbers', async () => {
    const json = (await (await fetch(`${hub.base}${URL_PATH}`, { headers: operator })).json()) as {
      rows: Row[];
      total: Row['report'];
    };
    const viaAccept = await fetch(`${hub.base}${URL_PATH}`, {
      headers: { ...operator, accept: 'text/csv' },
    });
    expect(viaAccept.status).toBe(200);
    expect(viaAccept.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await viaAccept.text();
    const viaQuery = await (
      await fetch(`${hub.base}${URL_PATH}&format=csv`, { headers: operator })
    ).text();
    expect(viaQuery).toBe(text);

    const lines = text
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const [header, ...records] = lines;
    expect(records).toHaveLength(json.rows.length + 1);
    const col = (rec: string[] | undefined, name: string) => {
      const i = header?.indexOf(name) ?? -1;
      if (i < 0 || !rec) throw new Error(`no column ${name}`);
      return rec[i] ?? '';
    };
    const num = (rec: string[] | undefined, name: string) => Number(col(rec, name));
    const check = (rec: string[] | undefined, r: Row['report']) => {
      for (const k of ['decoded', 'sampled', 'gated', 'inferred', 'uploaded', 'audited', 'motion'])
        expect(num(rec, k), k).toBe(r.frames[k]);
      expect(num(rec, 'uploaded_bytes')).toBe(r.bytes.uploaded);
      expect(num(rec, 'bytes_saved')).toBe(r.bytes.saved);
      expect(num(rec, 'compute_seconds')).toBe(r.infrastructure.computeSeconds);
      expect(num(rec, 'detections_before')).toBe(r.detections.before);
      expect(num(rec, 'detections_after')).toBe(r.detections.after);
      expect(num(rec, 'annotation_without_pretag_usd')).toBe(r.annotation.withoutPretag.usd);
      expect(num(rec, 'annotation_with_pretag_usd')).toBe(r.annotation.withPretag.usd);
      expect(num(rec, 'infrastructure_usd')).toBe(r.infrastructure.totalUsd);
      expect(num(rec, 'total_with_pretag_usd')).toBe(r.totalWithPretagUsd);
    };
    json.rows.forEach((r, i) => {
      const rec = records[i];
      expect([col(rec, 'site'), col(rec, 'camera'), col(rec, 'day')]).toEqual([
        r.site,
        r.camera,
        r.day,
      ]);
      check(rec, r.report);
    });
    const total = records.at(-1);
    expect(col(total, 'site')).toBe('TOTAL');
    check(total, json.total);
  });

  it('filters by camera and refuses bad ranges with 400', async () => {
    const one = (await (
      await fetch(`${hub.base}${URL_PATH}&camera=cam-1`, { headers: operator })
    ).json()) as { rows: Row[] };
    expect(one.rows.map((r) => r.camera)).toEqual(['cam-1']);
    for (const q of [
      'from=2026-11-28&to=2026-11-27',
      'from=2026-02-30&to=2026-03-01',
      'from=yesterday&to=2026-11-27',
      'to=2026-11-27',
    ]) {
      const res = await fetch(`${hub.base}/v1/reports/daily?${q}`, { headers: operator });
      expect(res.status, q).toBe(400);
    }
  });
});
