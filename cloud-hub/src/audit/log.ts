// The append-only audit log: who did what to which target, when, from where, with a diff where
// one applies. Only INSERT and SELECT live here; the ledger's triggers refuse UPDATE and DELETE.
import type Database from 'better-sqlite3';

export const AUDIT_ACTIONS = [
  'device.add',
  'device.revoke',
  'config.push',
  'review',
  'model.promote',
  'retention.delete',
  'token.new-address',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditInput {
  actor: string;
  /** operator | reviewer | device | system (the hub itself) | cli (a local command). */
  role: string;
  action: AuditAction;
  target: string;
  diff?: unknown;
  address?: string | null;
  /** Default: now. */
  at?: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  role: string;
  action: string;
  target: string;
  diff: unknown;
  address: string | null;
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  /** Exact target, or a prefix ending in '*' (e.g. "sample:*"). */
  target?: string | undefined;
  /** Inclusive lower and exclusive upper bound on `at` (ms). */
  from?: number | undefined;
  to?: number | undefined;
}

export interface AuditLog {
  record(entry: AuditInput): number;
  /** Newest first; `beforeId` continues a previous page. */
  list(filter: AuditFilter, limit: number, beforeId?: number): AuditEntry[];
  /**
   * Notes that `principal` called from `address`; records a token.new-address entry the first
   * time the pair is seen. Returns true when it was new.
   */
  noteAddress(
    principal: { id: string; name: string; role: string },
    address: string,
    at: number,
  ): boolean;
}

interface Row {
  id: number;
  at: number;
  actor: string;
  role: string;
  action: string;
  target: string;
  diff: string | null;
  address: string | null;
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const cache = new WeakMap<Database.Database, AuditLog>();
/** Caller/address pairs remembered in memory before the set starts over. */
const KNOWN_MAX = 100_000;

/** One log per database connection (its statements are prepared once). */
export function auditLogFor(db: Database.Database): AuditLog {
  let log = cache.get(db);
  if (!log) cache.set(db, (log = createAuditLog(db)));
  return log;
}

export function createAuditLog(db: Database.Database): AuditLog {
  const insert = db.prepare<[number, string, string, string, string, string | null, string | null]>(
    'INSERT INTO audit_log (at, actor, role, action, target, diff, address) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare<[Record<string, unknown>], Row>(
    `SELECT id, at, actor, role, action, target, diff, address FROM audit_log
     WHERE (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
       AND (@target IS NULL OR target = @target) AND (@prefix IS NULL OR substr(target, 1, length(@prefix)) = @prefix)
       AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
       AND (@before IS NULL OR id < @before)
     ORDER BY id DESC LIMIT @n`,
  );
  const seen = db.prepare<[string, string, number]>(
    'INSERT OR IGNORE INTO caller_addresses (principal, address, first_seen_at) VALUES (?, ?, ?)',
  );
  const known = new Set<string>();
  const record = (e: AuditInput): number =>
    Number(
      insert.run(
        e.at ?? Date.now(),
        e.actor,
        e.role,
        e.action,
        e.target,
        e.diff === undefined ? null : JSON.stringify(e.diff),
        e.address ?? null,
      ).lastInsertRowid,
    );
  const note = db.transaction(
    (p: { id: string; name: string; role: string }, address: string, at: number) => {
      if (seen.run(p.id, address, at).changes === 0) return false;
      record({
        actor: p.name,
        role: p.role,
        action: 'token.new-address',
        target: p.id,
        address,
        at,
        diff: { address },
      });
      return true;
    },
  );
  return {
    record,
    list(f, limit, beforeId) {
      const prefix = f.target?.endsWith('*') ? f.target.slice(0, -1) : null;
      return select
        .all({
          actor: f.actor ?? null,
          action: f.action ?? null,
          target: prefix === null ? (f.target ?? null) : null,
          prefix,
          from: f.from ?? null,
          to: f.to ?? null,
          before: beforeId ?? null,
          n: limit,
        })
        .map((r) => ({ ...r, diff: parse(r.diff) }));
    },
    noteAddress(p, address, at) {
      // Every authenticated request passes here: pairs already seen cost no write.
      const key = `${p.id}\0${address}`;
      if (known.has(key)) return false;
      const fresh = note.immediate(p, address, at);
      if (known.size >= KNOWN_MAX) known.clear();
      known.add(key);
      return fresh;
    },
  };
}
