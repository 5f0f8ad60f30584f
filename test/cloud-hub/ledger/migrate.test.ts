import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LedgerOpenError,
  LedgerSchemaError,
  MIGRATIONS,
  migrate,
  openLedger,
} from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger, Migration } from '../../../cloud-hub/src/ledger/index.ts';
import { makeFrame, tempDir } from './frame-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const tables = (l: Ledger): string[] =>
  l
    .statement<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
const pragma = (l: Ledger, name: string): unknown => l.statement(`PRAGMA ${name}`).pluck().get();
/** A plain connection for tampering with a ledger file; exec only, so nothing needs pinning. */
const tamper = (file: string, sql: string): void => {
  const raw = new Database(file);
  raw.exec(sql);
  raw.close();
};

describe('openLedger on a fresh file', () => {
  it('creates every table, records migration 1, and sets WAL, NORMAL sync and foreign keys', () => {
    const ledger = openLedger(tmp.file('sub/dir/hub.db'));
    try {
      expect(tables(ledger)).toEqual([
        'batch_frames',
        'batches',
        'cameras',
        'detections',
        'edge_stats',
        'frames',
        'jobs',
        'qa_samples',
        'reviews',
        'schema_migrations',
      ]);
      expect(ledger.schemaVersion).toBe(1);
      expect(pragma(ledger, 'journal_mode')).toBe('wal');
      // SQLite's codes: 1 = NORMAL, 2 = FULL.
      expect(pragma(ledger, 'synchronous')).toBe(1);
      expect(pragma(ledger, 'foreign_keys')).toBe(1);
      expect(pragma(ledger, 'busy_timeout')).toBe(5000);
    } finally {
      ledger.close();
    }
  });

  it("synchronous: 'full' is honoured", () => {
    const ledger = openLedger(tmp.file('hub.db'), { synchronous: 'full' });
    expect(pragma(ledger, 'synchronous')).toBe(2);
    ledger.close();
  });
});

describe('re-opening', () => {
  it('applies nothing twice and keeps the data', () => {
    const file = tmp.file('hub.db');
    const first = openLedger(file);
    expect(first.frames.ingestFrame(makeFrame(1), 1_000).status).toBe('inserted');
    const appliedAt = first.statement('SELECT applied_at FROM schema_migrations').pluck().get();
    first.close();

    const again = openLedger(file);
    try {
      const rows = again.statement('SELECT version, name, applied_at FROM schema_migrations').all();
      expect(rows).toEqual([{ version: 1, name: 'initial schema', applied_at: appliedAt }]);
      expect(again.frames.getFrame('f000001')?.camera).toBe('cam-1');
    } finally {
      again.close();
    }
  });

  it('applies a later migration once, on top of existing data', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    const v2: Migration[] = [
      ...MIGRATIONS,
      { version: 2, name: 'frames note', up: 'ALTER TABLE frames ADD COLUMN note TEXT' },
    ];
    const l = openLedger(file, { migrations: v2 });
    expect(l.schemaVersion).toBe(2);
    l.close();
    const l2 = openLedger(file, { migrations: v2 });
    const cols = l2.statement("SELECT name FROM pragma_table_info('frames')").pluck().all();
    expect(cols).toContain('note');
    expect(l2.statement('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(2);
    l2.close();
  });
});

describe('refusals', () => {
  it('refuses a ledger written by a newer build, naming both versions', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    tamper(
      file,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, 'from the future', 0)",
    );
    expect(() => openLedger(file)).toThrow(LedgerSchemaError);
    expect(() => openLedger(file)).toThrow(
      /is at schema version 2, newer than this build's 1: upgrade pretag/,
    );
  });

  it('refuses a ledger whose migration history disagrees with this build', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    tamper(file, "UPDATE schema_migrations SET name = 'something else'");
    expect(() => openLedger(file)).toThrow(
      /migration 1 is "something else", this build's is "initial schema"/,
    );
  });

  it('rolls back a failing migration completely and reports which one failed', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    const broken: Migration[] = [
      ...MIGRATIONS,
      {
        version: 2,
        name: 'half done',
        up: 'CREATE TABLE extra (x INTEGER); SELECT nonsense FROM nowhere;',
      },
    ];
    expect(() => openLedger(file, { migrations: broken })).toThrow(
      /migration 2 \("half done"\) failed and was rolled back: no such table: nowhere/,
    );
    const l = openLedger(file);
    expect(l.schemaVersion).toBe(1);
    expect(tables(l)).not.toContain('extra');
    l.close();
  });

  it('refuses a migration list with gaps', () => {
    const db = new Database(tmp.file('x.db'));
    expect(() => migrate(db, [{ version: 2, name: 'two', up: '' }])).toThrow(
      /migration #1 has version 2/,
    );
    db.close();
  });

  it('says clearly when the file is not a database', () => {
    const file = tmp.file('not-a-db.db');
    writeFileSync(file, 'this is a text file, not SQLite '.repeat(200));
    expect(() => openLedger(file)).toThrow(LedgerOpenError);
    expect(() => openLedger(file)).toThrow(
      /cannot open ledger .*not-a-db\.db: file is not a database/,
    );
  });
});
