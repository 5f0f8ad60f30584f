// Audit entries as CSV (RFC 4180 quoting, diff as JSON text) or NDJSON, for export. Pure.
import type { AuditEntry } from './log.ts';

const COLUMNS = [
  'id',
  'at',
  'time',
  'actor',
  'role',
  'action',
  'target',
  'address',
  'diff',
] as const;

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // Quote fields with separators, quotes or line breaks; a leading =,+,-,@ is prefixed with '
  // so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const e of entries)
    lines.push(
      [
        e.id,
        e.at,
        new Date(e.at).toISOString(),
        e.actor,
        e.role,
        e.action,
        e.target,
        e.address,
        e.diff,
      ]
        .map(cell)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

export function auditNdjson(entries: readonly AuditEntry[]): string {
  return entries
    .map((e) => `${JSON.stringify({ ...e, time: new Date(e.at).toISOString() })}\n`)
    .join('');
}
