// Shadow comparison and model promotion:
//   GET  /v1/models           production model, shadow candidate, promotions (people)
//   GET  /v1/shadow           candidate vs production: agreement per class, AP50 side by side (people)
//   POST /v1/models/promote   the candidate becomes production for new detect jobs (operators):
//                             in-process, or on external workers through the retained control
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY, PEOPLE } from '../../auth/roles.ts';
import type { LoopSettings } from '../../quality/settings.ts';
import { listPromotions } from '../../shadow/models.ts';
import { shadowComparison, shadowModels } from '../../shadow/report.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { DAY, dayRange } from './loop-dates.ts';

export function registerShadowRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  loop: LoopSettings,
): void {
  app.get(
    '/v1/models',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Production model, shadow candidate and promotion history',
        description:
          "Response: { production: {model, adapter} | null, candidate: {model, adapter, share} | null, shadowed: [{model, frames, lastRunAt}], promotions: [{id, at, actor, from, to, detector}], workers: [{worker, model, revision, failed?: {revision, model, error}, at}] } where workers are the external detection workers' answers to the production control (revision 0: hub.yaml's detector; empty in-process)",
        tags: ['models'],
      },
    },
    (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(
        JSON.stringify({
          production: loop.models?.production() ?? null,
          candidate: loop.models?.candidate() ?? null,
          shadowed: shadowModels(deps.ledger),
          promotions: listPromotions(deps.ledger),
          workers: loop.models?.workers?.() ?? [],
        }),
      ),
  );

  app.get<{ Querystring: { from?: string; to?: string; camera?: string; model?: string } }>(
    '/v1/shadow',
    {
      config: { roles: PEOPLE },
      schema: {
        summary:
          'Shadow candidate against production: agreement per class and, on reviewed frames, both AP50s',
        description:
          "Response: { candidate, from, to, rule, frames, failedRuns, production: [model ids], agreement: [{class ('all' last), production, candidate, matched, union, agreement}], reviewed: { frames, production: ModelQuality | null, candidate: ModelQuality | null } } where ModelQuality = { frames, overall: Figures, perClass: [Figures & {class}] } and Figures = { numGt, tp, fp, fn, precision, recall, ap50, tooFewReviews }",
        tags: ['models'],
        querystring: {
          type: 'object',
          properties: {
            from: {
              ...DAY,
              description: 'first capture day, inclusive; default 4 weeks before to',
            },
            to: { ...DAY, description: 'last capture day, inclusive; default today' },
            camera: { type: 'string' },
            model: {
              type: 'string',
              description:
                'candidate model id; default the current candidate, else the last shadowed',
            },
          },
        },
        response: { 400: errorSchema, 404: errorSchema },
      },
    },
    (request, reply) => {
      const q = request.query;
      const r = dayRange(q, deps.now(), 28);
      const model =
        q.model ?? loop.models?.candidate()?.model ?? shadowModels(deps.ledger)[0]?.model;
      if (model === undefined) throw new ApiError(404, 'no shadow candidate has run yet');
      const report = shadowComparison(
        deps.ledger,
        model,
        { from: r.fromMs, to: r.toMs, camera: q.camera },
        loop.quality,
      );
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );

  app.post<{ Body: { model: string } }>(
    '/v1/models/promote',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: 'Promote the shadow candidate to production',
        description:
          'Detect jobs that start after this use the candidate; the promotion is stored (it survives restarts, over hub.yaml detector) and audited. With external workers it is published retained on {prefix}/control/detector: each worker opens the model, then swaps (one that cannot open it keeps its model and says so in GET /v1/models workers). `model` must name the current candidate, so a stale page cannot promote the wrong model.',
        tags: ['models'],
        body: {
          type: 'object',
          required: ['model'],
          additionalProperties: false,
          properties: { model: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 400: errorSchema, 409: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      if (!loop.models)
        throw new ApiError(
          503,
          'this hub runs no detection (started with --no-workers), so there is nothing to promote',
        );
      const p = request.principal;
      const r = await loop.models.promote(
        request.body.model,
        { actor: p?.name ?? 'unknown', role: p?.role ?? 'operator', address: request.ip },
        deps.now(),
      );
      if (!r.ok) throw new ApiError(r.status, r.message);
      return reply.code(200).send(r.promotion);
    },
  );
}
