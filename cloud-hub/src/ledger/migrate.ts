// Migration runner: brings a ledger up to the newest schema this build knows, one transaction per
// migration, and refuses a ledger written by a newer build instead of guessing at its schema.
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3, ... with no gaps. */
  version: number;
  /** Short description; stored, and checked on every open. */
  name: string;
  /** SQL script, or a function for changes SQL alone cannot express. */
  up: string | ((db: Database.Database) => void);
}

export class LedgerSchemaError extends Error {
  override name = 'LedgerSchemaError';
}

export interface MigrateResult {
  /** Schema version before and after. */
  from: number;
  to: number;
  applied: number[];
}

/** Why a migration list is unusable (versions not 1..n in order, empty names), or undefined. */
export function migrationListProblem(list: readonly Migration[]): string | undefined {
  for (const [i, m] of list.entries()) {
    if (m.version !== i + 1)
      return `migration #${i + 1} has version ${m.version}; versions must run 1, 2, 3... in order`;
    if (!m.name.trim()) return `migration ${m.version} has no name`;
  }
  return undefined;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

interface AppliedRow {
  version: number;
  name: string;
}

/**
 * Applies every migration newer than the ledger's version. Each runs in its own IMMEDIATE
 * transaction that re-reads the version first, so two processes opening one new file at once
 * cannot both apply it. Throws LedgerSchemaError when the ledger is newer than `list` or its
 * history disagrees with it.
 */
export function migrate(
  db: Database.Database,
  list: readonly Migration[],
  now: () => number = Date.now,
): MigrateResult {
  const listBad = migrationListProblem(list);
  if (listBad) throw new LedgerSchemaError(`bad migration list: ${listBad}`);
  const latest = list.length;
  db.exec(CREATE_TABLE);
  const applied = db.prepare<[], AppliedRow>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  );
  const insert = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );

  const check = (rows: AppliedRow[]): number => {
    const current = rows.at(-1)?.version ?? 0;
    if (current > latest)
      throw new LedgerSchemaError(
        `ledger ${db.name} is at schema version ${current}, newer than this build's ${latest}: ` +
          'upgrade pretag to open it (an older build cannot safely write a newer schema)',
      );
    for (const [i, row] of rows.entries()) {
      const known = list[row.version - 1];
      if (row.version !== i + 1 || !known)
        throw new LedgerSchemaError(
          `ledger ${db.name} has a gap in its migration history at version ${i + 1}`,
        );
      if (known.name !== row.name)
        throw new LedgerSchemaError(
          `ledger ${db.name} migration ${row.version} is "${row.name}", this build's is "${known.name}"`,
        );
    }
    return current;
  };

  const from = check(applied.all());
  const done: number[] = [];
  for (const m of list.slice(from)) {
    const step = db.transaction(() => {
      // Another process may have migrated since we looked.
      if (check(applied.all()) >= m.version) return;
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      insert.run(m.version, m.name, now());
      done.push(m.version);
    });
    try {
      step.immediate();
    } catch (err) {
      if (err instanceof LedgerSchemaError) throw err;
      throw new LedgerSchemaError(
        `migration ${m.version} ("${m.name}") failed and was rolled back: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  return { from, to: check(applied.all()), applied: done };
}
