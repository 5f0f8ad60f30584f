// GET /v1/drift: per camera, class mix (chi-square, Cramér's V) and score distribution (KS),
// the week ending `to` against the week before, with alerts naming what moved.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import { driftReport } from '../../drift/load.ts';
import type { LoopSettings } from '../../quality/settings.ts';
import type { ApiDeps } from '../deps.ts';
import { errorSchema } from '../errors.ts';
import { DAY, dayRange } from './loop-dates.ts';

export function registerDriftAlertRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  loop: LoopSettings,
): void {
  app.get<{
    Querystring: {
      to?: string;
      site?: string;
      camera?: string;
      alpha?: number;
      minEffect?: number;
    };
  }>(
    '/v1/drift',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Drift alerts per camera: class mix and score distribution, week against week',
        description:
          "Response: { test, settings {alpha, minEffect, minCount}, weeks {previous {from,to}, current {from,to}}, cameras: [{ site, camera, classMix {tested, classes, previous, current, statistic, df, pValue, cramersV, moved {class, previousShare, currentShare, points}, alert}, scores {tested, n, m, d, pValue, previousMedian, currentMedian, alert}, alert, messages }], alerts: [{ site, camera, kind: 'class-mix'|'scores', message, pValue }] }",
        tags: ['quality'],
        querystring: {
          type: 'object',
          properties: {
            to: { ...DAY, description: 'last day (UTC) of the current week; default today' },
            site: { type: 'string' },
            camera: { type: 'string' },
            alpha: { type: 'number', exclusiveMinimum: 0, maximum: 0.5 },
            minEffect: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
        response: { 400: errorSchema },
      },
    },
    (request, reply) => {
      const q = request.query;
      const r = dayRange({ to: q.to }, deps.now(), 1);
      const settings = {
        ...loop.drift,
        ...(q.alpha !== undefined && { alpha: q.alpha }),
        ...(q.minEffect !== undefined && { minEffect: q.minEffect }),
      };
      const report = driftReport(deps.ledger, r.toMs, settings, q);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
