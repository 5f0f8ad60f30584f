// One connection with its statements prepared once and cached: the spool runs the same few
// queries forever, so it never prepares in a hot path.
import Database from 'better-sqlite3';
import type { Database as Db, Options, Statement } from 'better-sqlite3';

export class SqliteHandle {
  readonly db: Db;
  private readonly statements = new Map<string, Statement>();

  constructor(file: string, options: Options) {
    this.db = new Database(file, options);
  }

  /** The prepared statement for `sql`, prepared on first use and cached. */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** First column of the first row of a PRAGMA or query. */
  scalar(sql: string): unknown {
    const row = this.stmt(sql).raw(true).get() as unknown[] | undefined;
    return row?.[0];
  }
}
