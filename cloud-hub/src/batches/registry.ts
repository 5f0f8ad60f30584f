// The batch registry in the ledger: assigns detected frames to annotation batches, moves
// batches through open → ready → exported → annotated, and exports them as COCO JSON.
// What each frame contributes (image entry and kept boxes) is written when it joins a batch, so
// an export stays possible after retention has deleted the frame.
import { parseGroundTruth } from '@pretag/shared/eval/coco-input';
import type { Ledger } from '../ledger/index.ts';
import { buildCocoExport, keptBoxes } from './coco-export.ts';
import type { BatchBox, BatchImage, CocoExport } from './coco-export.ts';
import { batchId, batchKeyOf, canMove, localDay } from './grouping.ts';
import type { BatchKey, BatchPolicy, BatchStatus } from './grouping.ts';

export interface BatchRecord {
  id: string;
  site: string | null;
  camera: string | null;
  day: string | null;
  status: BatchStatus;
  frameCount: number;
  createdAt: number;
  updatedAt: number;
  exportedAt: number | null;
}

export interface BatchRegistryOptions {
  policy: BatchPolicy;
  /** Time zone of a site, for camera-day grouping (default UTC). */
  timeZoneOf?: (site: string) => string;
}

export interface BatchRegistry {
  /** Adds detected frames not yet in a batch; returns how many joined. */
  assignDetected(now: number, limit?: number): number;
  /** Open camera-day batches whose day is over (in their site's zone) become ready. */
  sealFinishedDays(now: number): string[];
  /** Marks batches ready (all open ones when no ids are given). */
  seal(now: number, ids?: readonly string[]): string[];
  /** COCO JSON of a ready or exported batch; the batch becomes exported. */
  exportCoco(id: string, options: { publicBaseUrl: string; now: number }): CocoExport;
  markAnnotated(id: string, now: number): void;
  get(id: string): BatchRecord | undefined;
  list(status?: BatchStatus): BatchRecord[];
}

export class BatchError extends Error {
  override name = 'BatchError';
}

interface BatchRow {
  id: string;
  site: string | null;
  camera: string | null;
  day: string | null;
  status: BatchStatus;
  frame_count: number;
  created_at: number;
  updated_at: number;
  exported_at: number | null;
}

interface WaitingRow {
  frame_id: string;
  site: string;
  camera: string;
  captured_at: string;
  captured_at_ms: number;
  blob_key: string;
  width: number;
  height: number;
  reason: string;
}

const toRecord = (r: BatchRow): BatchRecord => ({
  id: r.id,
  site: r.site,
  camera: r.camera,
  day: r.day,
  status: r.status,
  frameCount: r.frame_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  exportedAt: r.exported_at,
});

export function createBatchRegistry(ledger: Ledger, o: BatchRegistryOptions): BatchRegistry {
  const { policy } = o;
  if (!(Number.isInteger(policy.size) && policy.size >= 1))
    throw new RangeError(`batch size must be a whole number ≥ 1 (got ${policy.size})`);
  const zone = o.timeZoneOf ?? (() => 'UTC');
  const db = ledger.db;
  const waiting = db.prepare<[number], WaitingRow>(
    `SELECT f.frame_id, f.site, f.camera, f.captured_at, f.captured_at_ms, f.blob_key, f.width,
       f.height, f.reason
     FROM frames f WHERE f.state = 'detected'
       AND NOT EXISTS (SELECT 1 FROM batch_frames b WHERE b.frame_id = f.frame_id)
     ORDER BY f.captured_at_ms, f.frame_id LIMIT ?`,
  );
  const openFor = db.prepare<[string | null, string | null, string | null], BatchRow>(
    `SELECT * FROM batches WHERE status = 'open' AND site IS ? AND camera IS ? AND day IS ?
     ORDER BY created_at DESC, id DESC LIMIT 1`,
  );
  const countFor = db
    .prepare<[string | null, string | null, string | null], number>(
      'SELECT count(*) FROM batches WHERE site IS ? AND camera IS ? AND day IS ?',
    )
    .pluck();
  const insertBatch = db.prepare(
    `INSERT INTO batches (id, site, camera, day, status, frame_count, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'open', 0, ?, ?)`,
  );
  const addFrame = db.prepare(
    'INSERT INTO batch_frames (batch_id, frame_id, position, image, annotations) VALUES (?, ?, ?, ?, ?)',
  );
  const bump = db.prepare(
    `UPDATE batches SET frame_count = frame_count + 1, updated_at = ?,
       status = CASE WHEN frame_count + 1 >= ? THEN 'ready' ELSE status END WHERE id = ?`,
  );
  const getRow = db.prepare<[string], BatchRow>('SELECT * FROM batches WHERE id = ?');
  const setStatus = db.prepare('UPDATE batches SET status = ?, updated_at = ? WHERE id = ?');
  const setExported = db.prepare(
    "UPDATE batches SET status = 'exported', exported_at = ?, updated_at = ? WHERE id = ?",
  );
  const openRows = db.prepare<[], BatchRow>("SELECT * FROM batches WHERE status = 'open'");
  const frameRows = db.prepare<[string], { image: string; annotations: string }>(
    'SELECT image, annotations FROM batch_frames WHERE batch_id = ? ORDER BY position',
  );
  const listAll = db.prepare<[], BatchRow>('SELECT * FROM batches ORDER BY created_at, id');
  const listBy = db.prepare<[string], BatchRow>(
    'SELECT * FROM batches WHERE status = ? ORDER BY created_at, id',
  );

  const openBatch = (key: BatchKey, now: number): BatchRow => {
    const found = openFor.get(key.site, key.camera, key.day);
    if (found) return found;
    const id = batchId(key, (countFor.get(key.site, key.camera, key.day) ?? 0) + 1);
    insertBatch.run(id, key.site, key.camera, key.day, now, now);
    return getRow.get(id) as BatchRow;
  };

  const assignTx = db.transaction((now: number, limit: number) => {
    const rows = waiting.all(limit);
    for (const f of rows) {
      const key = batchKeyOf(
        { site: f.site, camera: f.camera, capturedAtMs: f.captured_at_ms },
        policy,
        zone(f.site),
      );
      const batch = openBatch(key, now);
      const image: BatchImage = {
        frame_id: f.frame_id,
        file_name: `${f.frame_id}.jpg`,
        blob_key: f.blob_key,
        width: f.width,
        height: f.height,
        site: f.site,
        camera: f.camera,
        captured_at: f.captured_at,
        reason: f.reason,
      };
      const boxes: BatchBox[] = keptBoxes(ledger.frames.detectionsOf(f.frame_id).cloud);
      addFrame.run(
        batch.id,
        f.frame_id,
        batch.frame_count,
        JSON.stringify(image),
        JSON.stringify(boxes),
      );
      bump.run(now, policy.size, batch.id);
    }
    return rows.length;
  });

  const move = (id: string, to: BatchStatus, now: number): void => {
    const row = getRow.get(id);
    if (!row) throw new BatchError(`no batch "${id}"`);
    if (!canMove(row.status, to))
      throw new BatchError(`batch "${id}" is ${row.status}; it cannot become ${to}`);
    setStatus.run(to, now, id);
  };

  const sealTx = db.transaction((now: number, ids: readonly string[]) => {
    for (const id of ids) move(id, 'ready', now);
    return [...ids];
  });

  return {
    assignDetected: (now, limit = 10_000) => assignTx.immediate(now, limit),
    sealFinishedDays(now) {
      const done = openRows
        .all()
        .filter((b) => b.day !== null && b.site !== null && b.day < localDay(now, zone(b.site)))
        .map((b) => b.id);
      return sealTx.immediate(now, done);
    },
    seal: (now, ids) => sealTx.immediate(now, ids ?? openRows.all().map((b) => b.id)),
    exportCoco(id, { publicBaseUrl, now }) {
      const row = getRow.get(id);
      if (!row) throw new BatchError(`no batch "${id}"`);
      if (!canMove(row.status, 'exported'))
        throw new BatchError(
          `batch "${id}" is ${row.status}; only ready or exported batches can be exported`,
        );
      const frames = frameRows.all(id).map((r) => ({
        image: JSON.parse(r.image) as BatchImage,
        boxes: JSON.parse(r.annotations) as BatchBox[],
      }));
      const coco = buildCocoExport({ id, createdAt: row.created_at }, frames, {
        publicBaseUrl,
        exportedAt: now,
      });
      // The same checks the project's evaluator applies to a ground truth file.
      parseGroundTruth(coco, `batch ${id} export`);
      setExported.run(now, now, id);
      return coco;
    },
    markAnnotated: (id, now) => move(id, 'annotated', now),
    get(id) {
      const r = getRow.get(id);
      return r ? toRecord(r) : undefined;
    },
    list: (status) => (status ? listBy.all(status) : listAll.all()).map(toRecord),
  };
}
