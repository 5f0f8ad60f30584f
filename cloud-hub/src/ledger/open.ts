// Opens (creating when missing) the hub's SQLite ledger and brings its schema up to date.
//
// Settings, and why:
// - journal_mode=WAL: readers (API, reports) never block the writer and vice versa, and a commit
//   is one sequential append to the -wal file instead of a rollback-journal dance.
// - synchronous=NORMAL: with WAL this fsyncs at checkpoints, not at every commit. The database
//   cannot be corrupted by a crash either way; a killed *process* loses nothing (committed pages
//   are already in the OS), and only an OS crash or power cut can roll back the last commits since
//   the previous checkpoint. Choose 'full' where even that is unacceptable (costs ~1 fsync a commit).
// - foreign_keys=ON: SQLite defaults it off per connection; cascades from frames depend on it.
// - busy_timeout: other processes (workers, the CLI) may hold the write lock briefly; wait instead
//   of failing at once with SQLITE_BUSY.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RetryPolicy } from './backoff.ts';
import { DEFAULT_RETRY_POLICY } from './backoff.ts';
import { createEdgeStats } from './edge-stats.ts';
import type { EdgeStats } from './edge-stats.ts';
import { createFrameReader } from './frames.ts';
import type { FrameReader } from './frames.ts';
import { createFrameIngest } from './ingest.ts';
import type { FrameIngest } from './ingest.ts';
import { createJobQueue } from './jobs.ts';
import type { JobQueue } from './jobs.ts';
import { LedgerSchemaError, migrate } from './migrate.ts';
import type { Migration } from './migrate.ts';
import { MIGRATIONS } from './migrations.ts';
import { createRetention } from './retention.ts';
import type { Retention } from './retention.ts';

export interface LedgerOptions {
  /** How long a statement waits for another connection's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** 'normal' (default, see above) or 'full' (fsync every commit). */
  synchronous?: 'normal' | 'full';
  retry?: RetryPolicy;
  /** For tests of the runner; production uses the built-in list. */
  migrations?: readonly Migration[];
}

export interface Ledger {
  db: Database.Database;
  path: string;
  schemaVersion: number;
  frames: FrameIngest & FrameReader;
  jobs: JobQueue;
  edgeStats: EdgeStats;
  retention: Retention;
  /**
   * A prepared statement for ad-hoc queries (API, reports), cached by its SQL text: pass fixed
   * SQL with parameters, never SQL built from values. A mode set on it (pluck, raw) sticks.
   */
  statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R>;
  close(): void;
}

export class LedgerOpenError extends Error {
  override name = 'LedgerOpenError';
}

export function openLedger(file: string, options: LedgerOptions = {}): Ledger {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new LedgerOpenError(`cannot open ledger ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const mode = db.prepare<[], string>('PRAGMA journal_mode = WAL').pluck().get();
    if (mode !== 'wal' && file !== ':memory:')
      throw new LedgerOpenError(
        `ledger ${file}: the file system refused WAL mode (journal_mode is ${String(mode)}); use a local disk`,
      );
    db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'};
      PRAGMA foreign_keys = ON;
      PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))};
      PRAGMA temp_store = MEMORY;`);
    const { to } = migrate(db, options.migrations ?? MIGRATIONS);
    const cache = new Map<string, Database.Statement>();
    const open = db;
    const ledger: Ledger = {
      db,
      path: file,
      schemaVersion: to,
      frames: { ...createFrameIngest(db), ...createFrameReader(db) },
      jobs: createJobQueue(db, options.retry ?? DEFAULT_RETRY_POLICY),
      edgeStats: createEdgeStats(db),
      retention: createRetention(db),
      statement<P extends unknown[] = unknown[], R = unknown>(sql: string) {
        let st = cache.get(sql);
        if (!st) cache.set(sql, (st = open.prepare(sql)));
        return st as unknown as Database.Statement<P, R>;
      },
      close: () => db.close(),
    };
    return ledger;
  } catch (err) {
    db.close();
    if (err instanceof LedgerSchemaError || err instanceof LedgerOpenError) throw err;
    throw new LedgerOpenError(`cannot open ledger ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
