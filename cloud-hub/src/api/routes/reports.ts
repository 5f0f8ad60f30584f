// GET /v1/reports/daily: cost rows per site/camera/day as JSON, or CSV with Accept: text/csv
// or ?format=csv.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { dailyReportCsv } from '../reports/csv.ts';
import { dailyReport } from '../reports/daily.ts';

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const MAX_DAYS = 366;

const anyObject = { type: 'object', additionalProperties: true } as const;

export function registerReportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{
    Querystring: { from: string; to: string; site?: string; camera?: string; format?: string };
  }>(
    '/v1/reports/daily',
    {
      config: {
        roles: PEOPLE,
        openapi: {
          responses: {
            '200': {
              description: 'the report (JSON, or CSV when asked for)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      from: DAY,
                      to: DAY,
                      rows: { type: 'array', items: anyObject },
                      total: anyObject,
                    },
                  },
                },
                'text/csv': { schema: { type: 'string' } },
              },
            },
          },
        },
      },
      schema: {
        summary: 'Edge counters, bytes, compute, detections and costs per site, camera and UTC day',
        tags: ['reports'],
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: {
            from: { ...DAY, description: 'first day (UTC), inclusive' },
            to: { ...DAY, description: 'last day (UTC), inclusive' },
            site: { type: 'string' },
            camera: { type: 'string' },
            format: { enum: ['json', 'csv'] },
          },
        },
        response: { 400: errorSchema },
      },
    },
    (request, reply) => {
      const q = request.query;
      const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
      if (!(days >= 0)) throw new ApiError(400, 'from and to must be real days with from ≤ to');
      if (days >= MAX_DAYS) throw new ApiError(400, `a report covers at most ${MAX_DAYS} days`);
      let report;
      try {
        report = dailyReport(deps.ledger, q, deps.prices);
      } catch (err) {
        if (err instanceof RangeError) throw new ApiError(400, err.message);
        throw err;
      }
      const csv =
        q.format === 'csv' ||
        (q.format === undefined && /\btext\/csv\b/i.test(request.headers.accept ?? ''));
      if (csv)
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="pretag-daily-${q.from}-${q.to}.csv"`,
          )
          .send(dailyReportCsv(report));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
