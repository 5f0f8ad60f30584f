// Startup repair after a crash or power cut. The invariants are: a JPEG is fsynced before its
// row commits, and a row is deleted before its JPEG. So after any crash there can be
//  - temp files from an interrupted write: delete;
//  - JPEGs with no row (crash between write and commit, or between row delete and unlink): the
//    frame was never acknowledged, or was already finished; delete;
//  - rows whose JPEG is missing or the wrong size: only by outside damage; drop and count as lost.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TEMP_PREFIX } from './durable-file.ts';
import { bumpCounter } from './counters.ts';
import type { SqliteHandle } from './sqlite-handle.ts';

export interface RecoveryReport {
  tempFilesRemoved: number;
  orphanFilesRemoved: number;
  /** Frames whose JPEG was missing or damaged; their rows were removed. */
  lostFrames: string[];
}

interface RowRef {
  frame_id: string;
  file_name: string;
  bytes: number;
}

function fileSize(p: string): number | undefined {
  try {
    const st = statSync(p);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

export function recoverSpool(sql: SqliteHandle, blobsDir: string): RecoveryReport {
  const report: RecoveryReport = { tempFilesRemoved: 0, orphanFilesRemoved: 0, lostFrames: [] };
  const rows = sql.stmt('SELECT frame_id, file_name, bytes FROM items').all() as RowRef[];
  const known = new Set<string>();
  for (const r of rows) {
    if (fileSize(path.join(blobsDir, r.file_name)) === r.bytes) known.add(r.file_name);
    else report.lostFrames.push(r.frame_id);
  }
  if (report.lostFrames.length) {
    const del = sql.stmt('DELETE FROM items WHERE frame_id = ?');
    sql.db.transaction((ids: string[]) => {
      for (const id of ids) del.run(id);
      bumpCounter(sql, 'lost', ids.length);
    })(report.lostFrames);
  }
  for (const ent of readdirSync(blobsDir, { withFileTypes: true })) {
    if (!ent.isFile() || known.has(ent.name)) continue;
    rmSync(path.join(blobsDir, ent.name), { force: true });
    if (ent.name.startsWith(TEMP_PREFIX)) report.tempFilesRemoved++;
    else report.orphanFilesRemoved++;
  }
  return report;
}
