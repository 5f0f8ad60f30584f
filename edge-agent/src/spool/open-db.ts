// Opening the spool database: durable settings, single-owner lock, schema migration, and a
// quick integrity check. A corrupt database is moved aside (with its blobs, for forensics) and a
// fresh one started, so a damaged spool never stops the agent from capturing.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { SpoolError, errnoCode } from './errors.ts';
import { migrate } from './schema.ts';
import { SqliteHandle } from './sqlite-handle.ts';

export const DB_NAME = 'spool.db';
export const BLOBS_DIR = 'blobs';

export interface CorruptionReport {
  reason: string;
  /** Where the damaged database files and blob directory were moved. */
  movedTo: string[];
}

export interface OpenedDb {
  sql: SqliteHandle;
  corruption?: CorruptionReport;
}

function isCorrupt(e: unknown): boolean {
  const code = errnoCode(e) ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/**
 * WAL with synchronous=FULL: every commit fsyncs the WAL, so once accept() returns the row
 * survives power loss. (NORMAL would only lose recent commits, never corrupt, but a lost row
 * means its fsynced JPEG is deleted as an orphan on restart: a frame we promised to keep.)
 * locking_mode=EXCLUSIVE keeps the file lock for the connection's lifetime: a second agent on
 * the same spool fails fast instead of deleting the first one's in-progress files as orphans.
 */
function configure(sql: SqliteHandle): void {
  sql.db.exec('PRAGMA locking_mode = EXCLUSIVE');
  const mode = sql.scalar('PRAGMA journal_mode = WAL');
  if (mode !== 'wal')
    throw new Error(`cannot switch the spool database to WAL (got "${String(mode)}")`);
  sql.db.exec('PRAGMA synchronous = FULL');
  // Truncate the WAL back to 4 MiB after checkpoints so it cannot keep a full disk full.
  sql.db.exec('PRAGMA journal_size_limit = 4194304');
  // BEGIN EXCLUSIVE takes the lock now, before anything else touches the directory.
  sql.db.transaction(() => migrate(sql)).exclusive();
  const check = sql.scalar('PRAGMA quick_check');
  if (check !== 'ok')
    throw Object.assign(new Error(`quick_check: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
}

function tryOpen(file: string, busyTimeoutMs: number): SqliteHandle {
  const sql = new SqliteHandle(file, { timeout: busyTimeoutMs });
  try {
    configure(sql);
    return sql;
  } catch (e) {
    sql.db.close();
    throw e;
  }
}

/** Move `p` to `p.corrupt-<stamp>` if it exists; returns the new path. */
function moveAside(p: string, stamp: string): string | undefined {
  if (!existsSync(p)) return undefined;
  const to = `${p}.corrupt-${stamp}`;
  renameSync(p, to);
  return to;
}

export function openSpoolDb(dir: string, busyTimeoutMs: number, now: number): OpenedDb {
  try {
    mkdirSync(path.join(dir, BLOBS_DIR), { recursive: true });
  } catch (e) {
    throw new SpoolError('io', `cannot create spool directory ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const file = path.join(dir, DB_NAME);
  try {
    return { sql: tryOpen(file, busyTimeoutMs) };
  } catch (e) {
    if (e instanceof SpoolError) throw e;
    const code = errnoCode(e);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
      throw new SpoolError(
        'locked',
        `spool ${dir} is in use by another process (database locked); only one agent may use a spool directory`,
        { cause: e },
      );
    if (!isCorrupt(e))
      throw new SpoolError('io', `cannot open spool database ${file}: ${(e as Error).message}`, {
        cause: e,
      });
    const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
    // The blobs go with the database: without their rows a fresh spool would delete them.
    const movedTo = [file, `${file}-wal`, `${file}-shm`, path.join(dir, BLOBS_DIR)]
      .map((p) => moveAside(p, stamp))
      .filter((p): p is string => p !== undefined);
    mkdirSync(path.join(dir, BLOBS_DIR), { recursive: true });
    return {
      sql: tryOpen(file, busyTimeoutMs),
      corruption: { reason: (e as Error).message, movedTo },
    };
  }
}
