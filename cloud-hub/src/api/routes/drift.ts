// GET /v1/drift/class-mix: per site and camera, kept cloud detections per class in the week
// ending `to` against the week before, with the chi-square test of drift/class-mix.ts.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import { classMixTest } from '../../drift/class-mix.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { dayStart } from '../reports/daily.ts';

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface CountRow {
  site: string;
  camera: string;
  label: string;
  week: number;
  n: number;
}

export function registerDriftRoute(app: FastifyInstance, deps: ApiDeps): void {
  const counts = deps.ledger.statement<[Record<string, unknown>], CountRow>(
    `SELECT f.site, f.camera, x.label, (f.captured_at_ms >= @mid) AS week, count(*) AS n
     FROM detections x JOIN frames f ON f.frame_id = x.frame_id
     WHERE x.source = 'cloud' AND coalesce(x.kept, 1) = 1
       AND f.captured_at_ms >= @from AND f.captured_at_ms < @to
       AND (@site IS NULL OR f.site = @site) AND (@camera IS NULL OR f.camera = @camera)
     GROUP BY f.site, f.camera, x.label, week ORDER BY f.site, f.camera, x.label`,
  );

  app.get<{ Querystring: { to?: string; site?: string; camera?: string; alpha?: number } }>(
    '/v1/drift/class-mix',
    {
      config: { roles: PEOPLE },
      schema: {
        summary:
          'Cameras whose mix of detected classes changed: the week ending `to` against the week before (chi-square test of homogeneity, rare classes pooled)',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            to: {
              type: 'string',
              pattern: '^\\d{4}-\\d{2}-\\d{2}$',
              description: 'last day (UTC) of the current week; default today',
            },
            site: { type: 'string' },
            camera: { type: 'string' },
            alpha: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, default: 0.01 },
          },
        },
        response: { 400: errorSchema },
      },
    },
    (request) => {
      const q = request.query;
      const toDay = q.to ?? day(deps.now());
      const start = dayStart(toDay);
      if (start === undefined) throw new ApiError(400, `to "${toDay}" is not a real day`);
      const end = start + DAY_MS;
      const mid = end - 7 * DAY_MS;
      const from = end - 14 * DAY_MS;
      const cams = new Map<
        string,
        {
          site: string;
          camera: string;
          previous: Record<string, number>;
          current: Record<string, number>;
        }
      >();
      for (const r of counts.all({
        from,
        mid,
        to: end,
        site: q.site ?? null,
        camera: q.camera ?? null,
      })) {
        const k = `${r.site}\0${r.camera}`;
        let c = cams.get(k);
        if (!c) cams.set(k, (c = { site: r.site, camera: r.camera, previous: {}, current: {} }));
        (r.week ? c.current : c.previous)[r.label] = r.n;
      }
      const alpha = q.alpha ?? 0.01;
      return {
        test: 'chi-square test of homogeneity on detections per class, week against week; classes expected below 5 pooled',
        alpha,
        weeks: {
          previous: { from: day(from), to: day(mid - DAY_MS) },
          current: { from: day(mid), to: toDay },
        },
        cameras: [...cams.values()].map((c) => ({
          ...c,
          result: classMixTest(c.previous, c.current, { alpha }),
        })),
      };
    },
  );
}
