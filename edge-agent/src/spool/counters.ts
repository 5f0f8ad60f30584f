// Persistent drop counters, cumulative since the spool was created.
import type { SqliteHandle } from './sqlite-handle.ts';

export const DROP_REASONS = [
  'bytes_cap',
  'age',
  'disk_full',
  'too_large',
  'lost',
  'corrupt',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export type DropCounts = Record<DropReason, number>;

export function zeroCounts(): DropCounts {
  return { bytes_cap: 0, age: 0, disk_full: 0, too_large: 0, lost: 0, corrupt: 0 };
}

export function bumpCounter(sql: SqliteHandle, reason: DropReason, n: number): void {
  if (n <= 0) return;
  sql
    .stmt(
      `INSERT INTO counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
    )
    .run(`dropped.${reason}`, n);
}

export function readCounters(sql: SqliteHandle): DropCounts {
  const out = zeroCounts();
  const rows = sql.stmt('SELECT name, value FROM counters').all() as {
    name: string;
    value: number;
  }[];
  for (const { name, value } of rows) {
    const reason = name.replace(/^dropped\./, '');
    if ((DROP_REASONS as readonly string[]).includes(reason)) out[reason as DropReason] = value;
  }
  return out;
}
