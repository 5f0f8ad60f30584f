// Retention: find and delete old frames. Deleting a frame removes its detections and job with it
// (foreign keys cascade); batch records keep their own copy of the frame id and the exported
// annotations, so batches outlive their frames. Deleting the JPEG blobs is the caller's job:
// list, delete the blobs, then delete the rows, so a crash in between leaves rows pointing at
// missing blobs (harmless, retried next run) rather than orphaned blobs nobody will find.
import type Database from 'better-sqlite3';

export interface ExpiredFrame {
  frameId: string;
  blobKey: string;
  receivedAt: number;
}

export interface Retention {
  /** Frames the hub received before `cutoff` (ms since the epoch), oldest first. */
  framesOlderThan(cutoff: number, limit?: number): ExpiredFrame[];
  /** Deletes the frames with their detections and jobs; returns how many frames went. */
  deleteFrames(frameIds: readonly string[]): number;
}

export function createRetention(db: Database.Database): Retention {
  const older = db.prepare<
    [number, number],
    ExpiredFrame
  >(`SELECT frame_id AS frameId, blob_key AS blobKey, received_at AS receivedAt
     FROM frames WHERE received_at < ? ORDER BY received_at, frame_id LIMIT ?`);
  const del = db.prepare('DELETE FROM frames WHERE frame_id = ?');
  const delMany = db.transaction((ids: readonly string[]) => {
    let n = 0;
    for (const id of ids) n += del.run(id).changes;
    return n;
  });
  return {
    framesOlderThan(cutoff, limit = 1_000) {
      if (!Number.isFinite(cutoff))
        throw new RangeError(`cutoff must be a time in ms (got ${cutoff})`);
      return older.all(cutoff, Math.max(0, Math.min(Math.floor(limit), 100_000)));
    },
    deleteFrames(frameIds) {
      return frameIds.length ? delMany.immediate(frameIds) : 0;
    },
  };
}
