// GET /v1/quality: precision, recall and AP50 of every model per ISO week, camera and class from
// reviewed samples, with Wilson intervals and the pre-filter's recall beside it.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import { qualityReport } from '../../quality/report.ts';
import type { LoopSettings } from '../../quality/settings.ts';
import type { ApiDeps } from '../deps.ts';
import { errorSchema } from '../errors.ts';
import { DAY, dayRange } from './loop-dates.ts';

export function registerQualityRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  loop: LoopSettings,
): void {
  app.get<{
    Querystring: { from?: string; to?: string; site?: string; camera?: string; model?: string };
  }>(
    '/v1/quality',
    {
      config: { roles: PEOPLE },
      schema: {
        summary:
          'Model quality over time from reviews: precision, recall, AP50 per week, camera and class',
        description:
          "Cells are flat: { source: edge|cloud|shadow, model, camera ('all' pooled), class ('all' pooled), week, weekStart, frames, numGt, tp, fp, fn, precision {estimate, low, high} | null, recall {...} | null, ap50 | null, tooFewReviews }. prefilterRecall holds the edge pre-filter's recall from audit frames per camera and week.",
        tags: ['quality'],
        querystring: {
          type: 'object',
          properties: {
            from: {
              ...DAY,
              description: 'first day (UTC, capture time), inclusive; default 8 weeks before to',
            },
            to: { ...DAY, description: 'last day, inclusive; default today' },
            site: { type: 'string' },
            camera: { type: 'string' },
            model: { type: 'string', description: 'only this model id' },
          },
        },
        response: { 400: errorSchema },
      },
    },
    (request, reply) => {
      const q = request.query;
      const r = dayRange(q, deps.now(), 56);
      const report = qualityReport(
        deps.ledger,
        { from: r.from, to: r.to, site: q.site, camera: q.camera, model: q.model },
        loop.quality,
      );
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
