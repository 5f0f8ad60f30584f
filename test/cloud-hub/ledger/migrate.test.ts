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
  it('creates every table, records every migration, and sets WAL, NORMAL sync and foreign keys', () => {
    const ledger = openLedger(tmp.file('sub/dir/hub.db'));
    try {
      expect(tables(ledger)).toEqual([
        'audit_log',
        'batch_frames',
        'batches',
        'caller_addresses',
        'cameras',
        'detections',
        'edge_stats',
        'frames',
        'jobs',
        'model_promotions',
        'qa_samples',
        'review_opens',
        'reviews',
        'schema_migrations',
        'shadow_detections',
        'shadow_runs',
      ]);
      expect(ledger.schemaVersion).toBe(MIGRATIONS.length);
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
    const before = first.statement('SELECT version, name, applied_at FROM schema_migrations').all();
    first.close();

    const again = openLedger(file);
    try {
      const rows = again.statement('SELECT version, name, applied_at FROM schema_migrations').all();
      expect(rows).toEqual(before);
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(again.frames.getFrame('f000001')?.camera).toBe('cam-1');
    } finally {
      again.close();
    }
  });

  it('applies a later migration once, on top of existing data', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    const next = MIGRATIONS.length + 1;
    const v2: Migration[] = [
      ...MIGRATIONS,
      {
        version: next,
        name: 'frames note',
        up: 'ALTER TABLE frames ADD COLUMN note TEXT',
      },
    ];
    const l = openLedger(file, { migrations: v2 });
    expect(l.schemaVersion).toBe(next);
    l.close();
    const l2 = openLedger(file, { migrations: v2 });
    const cols = l2.statement("SELECT name FROM pragma_table_info('frames')").pluck().all();
    expect(cols).toContain('note');
    expect(l2.statement('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(next);
    l2.close();
  });
});

describe('refusals', () => {
  it('refuses a ledger written by a newer build, naming both versions', () => {
    const file = tmp.file('hub.db');
    openLedger(file).close();
    tamper(
      file,
      `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${MIGRATIONS.length + 1}, 'from the future', 0)`,
    );
    expect(() => openLedger(file)).toThrow(LedgerSchemaError);
    expect(() => openLedger(file)).toThrow(
      new RegExp(
        `is at schema version ${MIGRATIONS.length + 1}, newer than this build's ${MIGRATIONS.length}: upgrade pretag`,
      ),
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
        version: MIGRATIONS.length + 1,
        name: 'half done',
        up: 'CREATE TABLE extra (x INTEGER); SELECT nonsense FROM nowhere;',
      },
    ];
    expect(() => openLedger(file, { migrations: broken })).toThrow(
      new RegExp(
        `migration ${MIGRATIONS.length + 1} \\("half done"\\) failed and was rolled back: no such table: nowhere`,
      ),
    );
    const l = openLedger(file);
    expect(l.schemaVersion).toBe(MIGRATIONS.length);
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
