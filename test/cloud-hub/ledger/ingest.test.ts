import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { T0, makeFrame, tempDir } from './frame-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let ledger: Ledger;
beforeEach(() => {
  tmp = tempDir();
  ledger = openLedger(tmp.file('hub.db'));
});
afterEach(() => {
  ledger.close();
  tmp.remove();
});

const count = (table: string): unknown =>
  ledger.statement(`SELECT count(*) FROM ${table}`).pluck().get();
const snapshot = () => ({
  frames: ledger.statement('SELECT * FROM frames ORDER BY frame_id').all(),
  detections: ledger.statement('SELECT * FROM detections ORDER BY id').all(),
  jobs: ledger.statement('SELECT * FROM jobs ORDER BY id').all(),
  cameras: ledger.statement('SELECT * FROM cameras ORDER BY camera').all(),
});

describe('ingestFrame', () => {
  it('stores the frame, its two edge boxes and one queued detect job', () => {
    const receivedAt = T0 + 5_000;
    const r = ledger.frames.ingestFrame(makeFrame(7), receivedAt);
    expect(r).toMatchObject({ status: 'inserted', duplicate: false, frameId: 'f000007' });

    const f = ledger.frames.getFrame('f000007');
    expect(f).toMatchObject({
      site: 'dublin-plant-2',
      device: 'orin-07',
      camera: 'cam-1',
      capturedAt: '2026-11-27T08:00:07.000Z',
      capturedAtMs: T0 + 7_000,
      receivedAt,
      blobKey: 'frames/dublin-plant-2/cam-1/2026/11/27/f000007.jpg',
      width: 1280,
      height: 720,
      bytes: 50_007,
      reason: 'prefilter',
      motionScore: 0.031,
      modelId: 'ssd-mobilenet-int8',
      state: 'pending',
      thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person', 'car'] },
    });
    expect(f?.edgeDetections).toEqual([
      { label: 'person', score: 0.81, box: [10, 20, 110, 320] },
      { label: 'car', score: 0.42, box: [400, 300, 700, 500] },
    ]);
    const { edge, cloud } = ledger.frames.detectionsOf('f000007');
    expect(edge.map((d) => [d.label, d.score, d.box, d.modelId, d.kept])).toEqual([
      ['person', 0.81, [10, 20, 110, 320], 'ssd-mobilenet-int8', null],
      ['car', 0.42, [400, 300, 700, 500], 'ssd-mobilenet-int8', null],
    ]);
    expect(cloud).toEqual([]);
    expect(ledger.jobs.counts()).toEqual({ queued: 1, leased: 0, done: 0, failed: 0, dead: 0 });
    expect(ledger.statement('SELECT * FROM cameras').all()).toEqual([
      {
        site: 'dublin-plant-2',
        camera: 'cam-1',
        device: 'orin-07',
        first_seen_at: receivedAt,
        last_seen_at: receivedAt,
      },
    ]);
  });

  it('a duplicate with the same content returns duplicate and changes nothing', () => {
    ledger.frames.ingestFrame(makeFrame(1), T0);
    const before = snapshot();
    // Same content, fields in another order (as a re-sent, re-serialised payload would be).
    const flip = (o: object): object => Object.fromEntries(Object.entries(o).reverse());
    const first = makeFrame(1);
    const reordered = {
      ...flip({
        ...first,
        detections: first.detections.map(flip),
        thresholds: flip(first.thresholds),
      }),
    } as FramePayload;
    const r = ledger.frames.ingestFrame(reordered, T0 + 60_000);
    expect(r).toEqual({
      status: 'duplicate',
      duplicate: true,
      frameId: 'f000001',
      conflict: false,
    });
    expect(snapshot()).toEqual(before);
    expect(ledger.frames.counters()).toEqual({
      inserted: 1,
      duplicates: 1,
      conflicts: 0,
      errors: 0,
    });
  });

  it('a duplicate with different content keeps the first copy and is counted as a conflict', () => {
    ledger.frames.ingestFrame(makeFrame(1), T0);
    const before = snapshot();
    const other = makeFrame(1, { width: 640, height: 480, detections: [] });
    const r = ledger.frames.ingestFrame(other, T0 + 1);
    expect(r).toEqual({ status: 'duplicate', duplicate: true, frameId: 'f000001', conflict: true });
    expect(snapshot()).toEqual(before);
    expect(ledger.frames.getFrame('f000001')?.width).toBe(1280);
    expect(ledger.frames.counters()).toMatchObject({ duplicates: 1, conflicts: 1 });
  });

  it('keeps first and last sighting of a camera across frames received out of order', () => {
    ledger.frames.ingestFrame(makeFrame(3), T0 + 500);
    ledger.frames.ingestFrame(makeFrame(6), T0 + 100);
    ledger.frames.ingestFrame(makeFrame(9), T0 + 900);
    expect(
      ledger
        .statement("SELECT first_seen_at, last_seen_at FROM cameras WHERE camera = 'cam-0'")
        .get(),
    ).toEqual({ first_seen_at: T0 + 100, last_seen_at: T0 + 900 });
  });

  it('reports a frame SQLite cannot take as an error result, not an exception', () => {
    const bad = { ...makeFrame(2), capturedAt: 'yesterday' } as FramePayload;
    const r = ledger.frames.ingestFrame(bad, T0);
    expect(r).toEqual({
      status: 'error',
      duplicate: false,
      frameId: 'f000002',
      error: 'frame not stored: capturedAt "yesterday" is not a time',
    });
    expect(count('frames')).toBe(0);
    expect(count('jobs')).toBe(0);
  });
});

describe('ingestMany', () => {
  it('stores a batch of 200 with duplicates inside it counted once each', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      payload: makeFrame(i % 150),
      receivedAt: T0 + i,
    }));
    const results = ledger.frames.ingestMany(items);
    expect(results.filter((r) => r.status === 'inserted')).toHaveLength(150);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(50);
    expect(count('frames')).toBe(150);
    expect(count('detections')).toBe(300);
    expect(count('jobs')).toBe(150);
    expect(count('cameras')).toBe(3);
  });

  it('one unstorable frame does not cost the rest of the batch their place', () => {
    const items = [0, 1, 2, 3].map((i) => ({ payload: makeFrame(i), receivedAt: T0 }));
    items[2] = { payload: { ...makeFrame(2), capturedAt: 'soon' }, receivedAt: T0 };
    const results = ledger.frames.ingestMany(items);
    expect(results.map((r) => r.status)).toEqual(['inserted', 'inserted', 'error', 'inserted']);
    expect(ledger.statement('SELECT frame_id FROM frames ORDER BY frame_id').pluck().all()).toEqual(
      ['f000000', 'f000001', 'f000003'],
    );
    expect(count('jobs')).toBe(3);
  });

  it('measures ingest into the ledger (figure printed, not asserted)', () => {
    const n = 20_000;
    const batch = 200;
    const frames = Array.from({ length: n }, (_, i) => makeFrame(i));
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch)
      ledger.frames.ingestMany(
        frames.slice(i, i + batch).map((payload) => ({ payload, receivedAt: T0 })),
      );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `ledger ingestMany: ${n} frames in batches of ${batch}: ${(n / seconds).toFixed(0)} frames/s`,
    );
    expect(count('frames')).toBe(n);
    expect(count('jobs')).toBe(n);
  });
});

describe('ingest while another process holds the write lock', () => {
  it('reports the whole batch as errors after one busy wait instead of retrying frame by frame', () => {
    const file = tmp.file('locked.db');
    const fast = openLedger(file, { busyTimeoutMs: 50 });
    const other = openLedger(file);
    try {
      other.db.exec('BEGIN IMMEDIATE');
      const results = fast.frames.ingestMany(
        [0, 1, 2].map((i) => ({ payload: makeFrame(i), receivedAt: T0 })),
      );
      expect(results.map((r) => r.status)).toEqual(['error', 'error', 'error']);
      expect(results[0]).toMatchObject({ error: 'frame not stored: database is locked' });
      other.db.exec('ROLLBACK');
      // Once the lock is gone the same batch goes in.
      const again = fast.frames.ingestMany(
        [0, 1, 2].map((i) => ({ payload: makeFrame(i), receivedAt: T0 })),
      );
      expect(again.map((r) => r.status)).toEqual(['inserted', 'inserted', 'inserted']);
    } finally {
      fast.close();
      other.close();
    }
  });
});
