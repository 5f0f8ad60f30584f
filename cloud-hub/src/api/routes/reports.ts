// GET /v1/reports/daily: cost rows per site/camera/day with recall, projection and threshold
// suggestions as JSON; CSV with Accept: text/csv or ?format=csv; the self-contained HTML page
// with Accept: text/html or ?format=html (?format wins over Accept).
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { dailyReportCsv } from '../reports/csv.ts';
import { dailyReport } from '../reports/daily.ts';
import { DEFAULT_PROJECTION_CAMERAS, reportInsights } from '../reports/insights.ts';
import type { ReportDocument } from '../reports/insights.ts';
import { renderReportHtml } from '../../report/html.ts';

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const MAX_DAYS = 366;

const anyObject = { type: 'object', additionalProperties: true } as const;

export function registerReportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{
    Querystring: {
      from: string;
      to: string;
      site?: string;
      camera?: string;
      format?: string;
      cameras?: number;
    };
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
                      byDay: { type: 'array', items: anyObject },
                      byCamera: { type: 'array', items: anyObject },
                      recall: anyObject,
                      projection: anyObject,
                      thresholds: { type: 'array', items: anyObject },
                    },
                  },
                },
                'text/csv': { schema: { type: 'string' } },
                'text/html': { schema: { type: 'string' } },
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
            format: { enum: ['json', 'csv', 'html'] },
            cameras: {
              type: 'integer',
              minimum: 1,
              maximum: 1_000_000,
              description: `fleet size to project to (default ${DEFAULT_PROJECTION_CAMERAS})`,
            },
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
      let report: ReportDocument;
      try {
        const daily = dailyReport(deps.ledger, q, deps.prices);
        report = {
          ...daily,
          ...reportInsights(deps.ledger, q, daily, deps.prices, q.cameras),
        };
      } catch (err) {
        if (err instanceof RangeError) throw new ApiError(400, err.message);
        throw err;
      }
      const accept = request.headers.accept ?? '';
      const format =
        q.format ??
        (/\btext\/csv\b/i.test(accept) ? 'csv' : /\btext\/html\b/i.test(accept) ? 'html' : 'json');
      const csv = format === 'csv';
      if (csv)
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="pretag-daily-${q.from}-${q.to}.csv"`,
          )
          .send(dailyReportCsv(report));
      if (format === 'html')
        return reply.type('text/html; charset=utf-8').send(renderReportHtml(report));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
