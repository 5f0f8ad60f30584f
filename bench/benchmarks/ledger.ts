// Frame ingest into the hub's SQLite ledger (frames/s), detection off, batches of 200 frames per
// transaction as the hub's MQTT ingest hands them over.
// - baseline: the same 10 000 frame rows inserted with plain better-sqlite3 into one bare table
//   (frame columns, TEXT primary key, no other index), 200 per transaction, same pragmas (WAL,
//   synchronous NORMAL): SQLite's own ceiling on this disk for rows of this size.
// - subject: ledger.frames.ingestMany — per frame the idempotent insert, the content digest, two
//   edge-detection rows, the detect job, the camera upsert and every index the queries need.
// Each run starts from a fresh file in a temporary directory; frames are built before timing.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openLedger } from '@pretag/cloud-hub/ledger/open';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { framePayloadSchema } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const FRAMES = 10_000;
const BATCH = 200;
const T0 = Date.parse('2026-11-27T08:00:00.000Z');

/** 10 000 valid frame payloads over 50 cameras, two edge boxes each. */
function makeFrames(): FramePayload[] {
  return Array.from({ length: FRAMES }, (_, i) => {
    const frameId = `bench-${String(i).padStart(6, '0')}`;
    const camera = `cam-${i % 50}`;
    const capturedAt = new Date(T0 + i * 100).toISOString();
    return framePayloadSchema.parse({
      v: 1,
      frameId,
      capturedAt,
      site: 'bench-site',
      device: `orin-${i % 5}`,
      camera,
      blobKey: frameBlobKey({ site: 'bench-site', camera, capturedAt, frameId }),
      width: 1280,
      height: 720,
      sha256: createHash('sha256').update(frameId).digest('hex'),
      bytes: 60_000 + (i % 5_000),
      reason: i % 100 === 0 ? 'audit' : 'prefilter',
      detections: [
        { label: 'person', score: 0.81, box: [10, 20, 110, 320] },
        { label: 'car', score: 0.42, box: [400, 300, 700, 500] },
      ],
      motionScore: 0.03,
      thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person', 'car', 'truck'] },
      modelId: 'ssd-mobilenet-int8',
    });
  });
}

/** Runs `body` on a fresh file, returns frames/s, and removes the directory. */
function timed(body: (file: string) => number): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-bench-ledger-'));
  try {
    const t0 = performance.now();
    const stored = body(path.join(dir, 'hub.db'));
    const seconds = (performance.now() - t0) / 1000;
    if (stored !== FRAMES) throw new Error(`stored ${stored} frames, expected ${FRAMES}`);
    return FRAMES / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bareTable(frames: FramePayload[]): Measure {
  return {
    label: `better-sqlite3 INSERT into one bare table, ${BATCH}/transaction`,
    run: () =>
      Promise.resolve(
        timed((file) => {
          // Pinned: better-sqlite3 12 on Node 24 aborts when a statement is garbage-collected.
          const db = new Database(file);
          db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
            CREATE TABLE frames (frame_id TEXT PRIMARY KEY, site TEXT, device TEXT, camera TEXT,
              captured_at TEXT, received_at INTEGER, blob_key TEXT, width INTEGER, height INTEGER,
              sha256 TEXT, bytes INTEGER, reason TEXT, detections TEXT, motion_score REAL,
              thresholds TEXT, model_id TEXT)`);
          const insert = db.prepare(
            'INSERT INTO frames VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          );
          const batch = db.transaction((list: FramePayload[]) => {
            for (const p of list)
              insert.run(
                p.frameId,
                p.site,
                p.device,
                p.camera,
                p.capturedAt,
                T0,
                p.blobKey,
                p.width,
                p.height,
                p.sha256,
                p.bytes,
                p.reason,
                JSON.stringify(p.detections),
                p.motionScore,
                JSON.stringify(p.thresholds),
                p.modelId,
              );
          });
          for (let i = 0; i < frames.length; i += BATCH) batch(frames.slice(i, i + BATCH));
          const n = db.prepare<[], number>('SELECT count(*) FROM frames').pluck().get();
          db.close();
          return n ?? 0;
        }),
      ),
  };
}

function ledgerIngest(frames: FramePayload[]): Measure {
  return {
    label: `ledger.frames.ingestMany, ${BATCH}/call (frame, 2 edge boxes, job, camera)`,
    run: () =>
      Promise.resolve(
        timed((file) => {
          const ledger = openLedger(file);
          let inserted = 0;
          for (let i = 0; i < frames.length; i += BATCH)
            for (const r of ledger.frames.ingestMany(
              frames.slice(i, i + BATCH).map((payload) => ({ payload, receivedAt: T0 })),
            ))
              if (r.status === 'inserted') inserted++;
          ledger.close();
          return inserted;
        }),
      ),
  };
}

export const ledger: Benchmark = {
  name: 'ledger',
  description:
    'frames/s of idempotent ledger ingest (ingestMany, 200/batch) vs bare SQLite inserts',
  media: [],
  cases(): Promise<BenchCase[]> {
    const frames = makeFrames();
    return Promise.resolve([
      {
        name: `ingest ${FRAMES} frames, ${BATCH}/batch`,
        unit: 'frames/s',
        baseline: bareTable(frames),
        subject: ledgerIngest(frames),
      },
    ]);
  },
};
