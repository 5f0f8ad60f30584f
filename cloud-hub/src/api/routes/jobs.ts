// The detection job dead-letter list and putting a dead job back in the queue.
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';

const deadItem = {
  type: 'object',
  required: ['id', 'frameId', 'site', 'camera', 'attempts', 'lastError', 'diedAt'],
  properties: {
    id: { type: 'integer' },
    frameId: { type: 'string' },
    site: { type: 'string' },
    camera: { type: 'string' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    diedAt: { type: 'integer' },
  },
} as const;

interface DeadRow {
  id: number;
  frameId: string;
  site: string;
  camera: string;
  attempts: number;
  lastError: string | null;
  diedAt: number;
}

export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger } = deps;
  // Newest deaths first, keyed on (updated_at, id) like the ledger's own jobs_dead index.
  const dead = ledger.statement<[Record<string, unknown>], DeadRow>(
    `SELECT j.id, j.frame_id AS frameId, f.site, f.camera, j.attempts, j.last_error AS lastError,
       j.updated_at AS diedAt
     FROM jobs j INDEXED BY jobs_dead JOIN frames f ON f.frame_id = j.frame_id
     WHERE j.state = 'dead' AND (@cu IS NULL OR (j.updated_at, j.id) < (@cu, @ci))
     ORDER BY j.updated_at DESC, j.id DESC LIMIT @n`,
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/jobs/dead',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: 'Dead-lettered detection jobs, newest first',
        tags: ['jobs'],
        querystring: { type: 'object', properties: { ...pageQuery } },
        response: { 200: pageSchema(deadItem), 400: errorSchema },
      },
    },
    (request) => {
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor, ['number', 'number']);
      const rows = dead.all({ cu: after?.[0] ?? null, ci: after?.[1] ?? null, n: limit + 1 });
      return page(rows, limit, (r) => [r.diedAt, r.id]);
    },
  );

  app.post<{ Params: { id: number } }>(
    '/v1/jobs/:id/requeue',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: 'Put a dead job back in the queue with fresh attempts',
        tags: ['jobs'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'integer', minimum: 1 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['id', 'state'],
            properties: { id: { type: 'integer' }, state: { type: 'string' } },
          },
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    (request) => {
      const id = request.params.id;
      const job = ledger.jobs.get(id);
      if (!job) throw new ApiError(404, `no job ${id}`);
      if (!ledger.jobs.requeueDead(id, deps.now()))
        throw new ApiError(409, `job ${id} is ${job.state}, not dead`);
      return { id, state: 'queued' };
    },
  );
}
