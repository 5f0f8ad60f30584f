// The spool database layout, versioned with PRAGMA user_version. Each migration runs once, in
// order, inside the open transaction, so a crash mid-migration leaves the previous version.
import type { SqliteHandle } from './sqlite-handle.ts';
import { SpoolError } from './errors.ts';

export const MIGRATIONS: readonly string[] = [
  // v1: one row per accepted frame. `state` is derived from the two acknowledgements.
  `CREATE TABLE items (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     frame_id TEXT NOT NULL UNIQUE,
     camera TEXT NOT NULL,
     captured_at_ms INTEGER NOT NULL,
     accepted_at_ms INTEGER NOT NULL,
     bytes INTEGER NOT NULL CHECK (bytes > 0),
     sha256 TEXT NOT NULL,
     file_name TEXT NOT NULL UNIQUE,
     metadata TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
     blob_uploaded_at_ms INTEGER,
     published_at_ms INTEGER,
     state TEXT GENERATED ALWAYS AS (
       CASE
         WHEN blob_uploaded_at_ms IS NULL AND published_at_ms IS NULL THEN 'queued'
         WHEN published_at_ms IS NULL THEN 'blob_uploaded'
         WHEN blob_uploaded_at_ms IS NULL THEN 'published'
         ELSE 'done'
       END) VIRTUAL
   );
   CREATE INDEX items_drain ON items (captured_at_ms, seq);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`,
  // v2: keep the last upload error for the operator.
  `ALTER TABLE items ADD COLUMN last_error TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bring the schema to SCHEMA_VERSION. Call inside a write transaction. Returns the version found. */
export function migrate(sql: SqliteHandle, upTo: number = SCHEMA_VERSION): number {
  const found = Number(sql.scalar('PRAGMA user_version'));
  if (found > SCHEMA_VERSION)
    throw new SpoolError(
      'schema_too_new',
      `spool database is schema version ${found}, newer than this build understands (${SCHEMA_VERSION}); ` +
        'run a newer pretag or point spool.dir elsewhere',
    );
  for (let v = found; v < upTo; v++) {
    sql.db.exec(MIGRATIONS[v] ?? '');
    // PRAGMA takes no bound parameters; v is an integer we control.
    sql.db.exec(`PRAGMA user_version = ${v + 1}`);
  }
  return found;
}
