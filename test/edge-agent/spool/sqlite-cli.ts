// The sqlite3 command-line tool, used as an independent reader of spool databases. (Tests do not
// open better-sqlite3 handles of their own: see edge-agent/src/spool/sqlite-handle.ts.)
import { spawnSync } from 'node:child_process';

const probe = spawnSync('sqlite3', ['--version'], { encoding: 'utf8' });
export const sqliteCli = {
  ok: probe.status === 0,
  reason:
    probe.status === 0
      ? ''
      : 'the sqlite3 command-line tool is not installed (apt-get install sqlite3)',
};
if (!sqliteCli.ok) console.warn(`SKIP (partly): ${sqliteCli.reason}`);

/** Run SQL with the sqlite3 CLI; returns trimmed stdout, throws with stderr on failure. */
export function sqlite(file: string, sql: string): string {
  const r = spawnSync('sqlite3', ['-batch', file, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 ${file}: ${r.stderr || String(r.error)}`);
  return r.stdout.trim();
}
