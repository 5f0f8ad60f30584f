// GET /v1/audit (operators): the append-only audit log, newest first, filtered by actor, action,
// target and time, paged by cursor; format=csv or ndjson exports every matching entry (up to
// EXPORT_MAX). There is deliberately no route that changes or deletes entries.
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY } from '../../auth/roles.ts';
import { auditCsv, auditNdjson } from '../../audit/export.ts';
import { AUDIT_ACTIONS, auditLogFor } from '../../audit/log.ts';
import type { AuditEntry, AuditFilter } from '../../audit/log.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';

export const EXPORT_MAX = 100_000;

const item = {
  type: 'object',
  required: ['id', 'at', 'actor', 'role', 'action', 'target'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'integer' },
    actor: { type: 'string' },
    role: { type: 'string' },
    action: { type: 'string' },
    target: { type: 'string' },
    diff: {},
    address: { type: ['string', 'null'] },
  },
} as const;

const time = {
  type: 'string',
  minLength: 1,
  maxLength: 40,
  description: 'ISO 8601 time or day (UTC when no offset), or milliseconds since the epoch',
} as const;

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new ApiError(400, `${name} "${v}" is not a time`);
  return t;
}

interface Query {
  limit: number;
  cursor?: string;
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  format?: 'json' | 'csv' | 'ndjson';
}

export function registerAuditRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const log = auditLogFor(deps.ledger.db);
  app.get<{ Querystring: Query }>(
    '/v1/audit',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: 'The audit log (append-only): who changed what, when, from where',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            actor: { type: 'string', maxLength: 200 },
            action: { enum: AUDIT_ACTIONS },
            target: {
              type: 'string',
              maxLength: 300,
              description: 'exact target, or a prefix ending in *',
            },
            from: { ...time, description: `${time.description}; inclusive` },
            to: { ...time, description: `${time.description}; exclusive` },
            format: {
              enum: ['json', 'csv', 'ndjson'],
              description: 'csv and ndjson export all matches, not one page',
            },
          },
        },
        response: { 200: pageSchema(item), 400: errorSchema },
      },
    },
    (request, reply) => {
      const q = request.query;
      const filter: AuditFilter = {
        actor: q.actor,
        action: q.action,
        target: q.target,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
      };
      if (q.format === 'csv' || q.format === 'ndjson') {
        const all: AuditEntry[] = log.list(filter, EXPORT_MAX + 1);
        const truncated = all.length > EXPORT_MAX;
        const rows = truncated ? all.slice(0, EXPORT_MAX) : all;
        const name = `pretag-audit.${q.format}`;
        reply
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-truncated', String(truncated));
        return q.format === 'csv'
          ? reply.type('text/csv; charset=utf-8').send(auditCsv(rows))
          : reply.type('application/x-ndjson; charset=utf-8').send(auditNdjson(rows));
      }
      const before = decodeCursor(q.cursor, ['number'])?.[0] as number | undefined;
      return page(log.list(filter, q.limit + 1, before), q.limit, (e) => [e.id]);
    },
  );
}
