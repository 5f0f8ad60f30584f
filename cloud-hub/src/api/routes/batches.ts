// Annotation batches: the registry list and one batch with its QA progress.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';

const batchItem = {
  type: 'object',
  required: ['id', 'status', 'frameCount', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    site: { type: ['string', 'null'] },
    camera: { type: ['string', 'null'] },
    day: { type: ['string', 'null'] },
    status: { type: 'string' },
    frameCount: { type: 'integer' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    exportedAt: { type: ['integer', 'null'] },
  },
} as const;

const batchDetail = {
  type: 'object',
  required: [...batchItem.required, 'qa'],
  properties: {
    ...batchItem.properties,
    meta: { type: ['object', 'null'], additionalProperties: true },
    qa: {
      type: 'object',
      required: ['samples', 'pending', 'reviewed'],
      properties: {
        samples: { type: 'integer' },
        pending: { type: 'integer' },
        reviewed: { type: 'integer' },
      },
    },
  },
} as const;

interface BatchRow {
  id: string;
  site: string | null;
  camera: string | null;
  day: string | null;
  status: string;
  frameCount: number;
  createdAt: number;
  updatedAt: number;
  exportedAt: number | null;
}

const COLUMNS = `id, site, camera, day, status, frame_count AS frameCount, created_at AS createdAt,
  updated_at AS updatedAt, exported_at AS exportedAt`;

function parseMeta(text: string | null): unknown {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}

export function registerBatchRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger } = deps;
  const list = ledger.statement<[Record<string, unknown>], BatchRow>(
    `SELECT ${COLUMNS} FROM batches
     WHERE (@status IS NULL OR status = @status) AND (@site IS NULL OR site = @site)
       AND (@camera IS NULL OR camera = @camera)
       AND (@ct IS NULL OR (created_at, id) > (@ct, @cid))
     ORDER BY created_at, id LIMIT @n`,
  );
  const one = ledger.statement<[string], BatchRow & { meta: string | null }>(
    `SELECT ${COLUMNS}, meta FROM batches WHERE id = ?`,
  );
  const qa = ledger.statement<[string], { samples: number; pending: number; reviewed: number }>(
    `SELECT count(*) AS samples, coalesce(sum(status = 'pending'), 0) AS pending,
       coalesce(sum(status = 'reviewed'), 0) AS reviewed
     FROM qa_samples WHERE batch_id = ?`,
  );

  app.get<{
    Querystring: {
      limit: number;
      cursor?: string;
      status?: string;
      site?: string;
      camera?: string;
    };
  }>(
    '/v1/batches',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Annotation batches, oldest first',
        tags: ['batches'],
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            status: { type: 'string', pattern: '^[a-z-]{1,32}$' },
            site: { type: 'string' },
            camera: { type: 'string' },
          },
        },
        response: { 200: pageSchema(batchItem), 400: errorSchema },
      },
    },
    (request) => {
      const q = request.query;
      const after = decodeCursor(q.cursor, ['number', 'string']);
      const rows = list.all({
        status: q.status ?? null,
        site: q.site ?? null,
        camera: q.camera ?? null,
        ct: after?.[0] ?? null,
        cid: after?.[1] ?? null,
        n: q.limit + 1,
      });
      return page(rows, q.limit, (r) => [r.createdAt, r.id]);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/batches/:id',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'One batch with its QA progress',
        tags: ['batches'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: batchDetail, 404: errorSchema },
      },
    },
    (request) => {
      const b = one.get(request.params.id);
      if (!b) throw new ApiError(404, `no batch ${request.params.id}`);
      return { ...b, meta: parseMeta(b.meta), qa: qa.get(b.id) };
    },
  );
}
