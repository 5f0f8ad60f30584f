// Frame ingest: one frame, its edge detections and its detect job land in one transaction, or
// nothing does. Idempotent on frameId: a second copy changes nothing and is counted, and a copy
// whose content differs from the first is flagged as a conflict (the first copy stays).
import type Database from 'better-sqlite3';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { sameJson } from './canonical-json.ts';
import { payloadOf, toFrameRecord } from './frames.ts';
import type { FrameRow } from './frames.ts';

export type IngestResult =
  | { status: 'inserted'; duplicate: false; frameId: string; jobId: number }
  | {
      status: 'duplicate';
      duplicate: true;
      frameId: string;
      /** True when this copy's content differs from the stored one (the stored one is kept). */
      conflict: boolean;
    }
  | { status: 'error'; duplicate: false; frameId: string; error: string };

export interface IngestItem {
  payload: FramePayload;
  /** When the hub received it, ms since the epoch. */
  receivedAt: number;
}

export interface IngestCounters {
  inserted: number;
  duplicates: number;
  /** Duplicates whose content differed from the first copy. */
  conflicts: number;
  errors: number;
}

export interface FrameIngest {
  ingestFrame(payload: FramePayload, receivedAt: number): IngestResult;
  /** One transaction for the whole list; if it fails, each frame is retried on its own. */
  ingestMany(items: readonly IngestItem[]): IngestResult[];
  /** Totals since this ledger was opened. */
  counters(): IngestCounters;
}

/** True for errors a single frame causes (bad values, constraints), not the database's state. */
function isPerFrameError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return true;
  return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}

export function createFrameIngest(db: Database.Database): FrameIngest {
  const insertFrame =
    db.prepare(`INSERT INTO frames (frame_id, site, device, camera, captured_at, captured_at_ms, received_at,
       blob_key, width, height, sha256, bytes, reason, edge_detections, motion_score, thresholds,
       model_id, state)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
     ON CONFLICT (frame_id) DO NOTHING`);
  const stored = db.prepare<[string], FrameRow>('SELECT * FROM frames WHERE frame_id = ?');
  const upsertCamera =
    db.prepare(`INSERT INTO cameras (site, camera, device, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (site, camera) DO UPDATE SET
       device = excluded.device,
       first_seen_at = min(first_seen_at, excluded.first_seen_at),
       last_seen_at = max(last_seen_at, excluded.last_seen_at)`);
  const insertDetection =
    db.prepare(`INSERT INTO detections (frame_id, source, model_id, label, score, x1, y1, x2, y2)
     VALUES (?, 'edge', ?, ?, ?, ?, ?, ?, ?)`);
  const insertJob =
    db.prepare(`INSERT INTO jobs (frame_id, kind, state, attempts, next_run_at, created_at, updated_at)
     VALUES (?, 'detect', 'queued', 0, ?, ?, ?)`);

  const totals: IngestCounters = { inserted: 0, duplicates: 0, conflicts: 0, errors: 0 };

  // Runs inside a transaction; throws on anything SQLite refuses. The camera row is left to the
  // caller, so a batch touches each camera once instead of once per frame.
  const insertFrameRows = (p: FramePayload, receivedAt: number): IngestResult => {
    const capturedAtMs = Date.parse(p.capturedAt);
    if (!Number.isFinite(capturedAtMs))
      throw new Error(`capturedAt "${String(p.capturedAt).slice(0, 40)}" is not a time`);
    if (!Number.isFinite(receivedAt)) throw new Error('receivedAt is not a time');
    const info = insertFrame.run(
      p.frameId,
      p.site,
      p.device,
      p.camera,
      p.capturedAt,
      capturedAtMs,
      receivedAt,
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
    if (info.changes === 0) {
      // Rare path: compare with the stored copy only when there is one.
      const row = stored.get(p.frameId);
      const same = row !== undefined && sameJson(payloadOf(toFrameRecord(row)), p);
      return { status: 'duplicate', duplicate: true, frameId: p.frameId, conflict: !same };
    }
    for (const d of p.detections)
      insertDetection.run(p.frameId, p.modelId, d.label, d.score, ...d.box);
    const job = insertJob.run(p.frameId, receivedAt, receivedAt, receivedAt);
    return {
      status: 'inserted',
      duplicate: false,
      frameId: p.frameId,
      jobId: Number(job.lastInsertRowid),
    };
  };

  const count = (r: IngestResult): IngestResult => {
    if (r.status === 'inserted') totals.inserted++;
    else if (r.status === 'error') totals.errors++;
    else {
      totals.duplicates++;
      if (r.conflict) totals.conflicts++;
    }
    return r;
  };

  const insertOne = (p: FramePayload, receivedAt: number): IngestResult => {
    const r = insertFrameRows(p, receivedAt);
    if (r.status === 'inserted')
      upsertCamera.run(p.site, p.camera, p.device, receivedAt, receivedAt);
    return r;
  };
  const one = db.transaction(insertOne);
  const many = db.transaction((items: readonly IngestItem[]) => {
    // Per camera: first and last arrival in this batch, and the device of the last frame.
    const seen = new Map<string, { p: FramePayload; first: number; last: number }>();
    const results = items.map((it) => {
      const r = insertFrameRows(it.payload, it.receivedAt);
      if (r.status !== 'inserted') return r;
      const key = `${it.payload.site}\u0000${it.payload.camera}`;
      const c = seen.get(key);
      if (!c) seen.set(key, { p: it.payload, first: it.receivedAt, last: it.receivedAt });
      else {
        c.p = it.payload;
        c.first = Math.min(c.first, it.receivedAt);
        c.last = Math.max(c.last, it.receivedAt);
      }
      return r;
    });
    for (const { p, first, last } of seen.values())
      upsertCamera.run(p.site, p.camera, p.device, first, last);
    return results;
  });

  const ingestFrame = (payload: FramePayload, receivedAt: number): IngestResult => {
    try {
      return count(one.immediate(payload, receivedAt));
    } catch (err) {
      return count({
        status: 'error',
        duplicate: false,
        frameId: typeof payload?.frameId === 'string' ? payload.frameId : '',
        error: `frame not stored: ${(err as Error).message}`,
      });
    }
  };

  return {
    ingestFrame,
    ingestMany(items) {
      if (items.length === 0) return [];
      try {
        return many.immediate(items).map(count);
      } catch (err) {
        // One bad frame must not cost the others their place: retry each on its own. A locked,
        // full or failing database would fail each retry too (after its own busy wait), so then
        // the whole batch is reported at once.
        if (!isPerFrameError(err))
          return items.map((it) =>
            count({
              status: 'error',
              duplicate: false,
              frameId: typeof it.payload?.frameId === 'string' ? it.payload.frameId : '',
              error: `frame not stored: ${(err as Error).message}`,
            }),
          );
        return items.map((it) => ingestFrame(it.payload, it.receivedAt));
      }
    },
    counters: () => ({ ...totals }),
  };
}
