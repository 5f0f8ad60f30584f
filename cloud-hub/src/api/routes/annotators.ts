// Annotator metrics (operators) and the review-open mark reviewers' pages send:
//   GET  /v1/annotators            time and actions per image, agreement, flags
//   POST /v1/qa/samples/:id/open   the caller opened this sample (starts its time per image)
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY, PEOPLE } from '../../auth/roles.ts';
import { annotatorReport } from '../../annotators/report.ts';
import type { LoopSettings } from '../../quality/settings.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { DAY, dayRange } from './loop-dates.ts';

export function registerAnnotatorRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  loop: LoopSettings,
): void {
  const sample = deps.ledger.statement<[number], { id: number }>(
    'SELECT id FROM qa_samples WHERE id = ?',
  );
  const open = deps.ledger.statement<[number, string, number]>(
    'INSERT OR IGNORE INTO review_opens (sample_id, reviewer, opened_at) VALUES (?, ?, ?)',
  );
  const openedAt = deps.ledger.statement<[number, string], { at: number }>(
    'SELECT opened_at AS at FROM review_opens WHERE sample_id = ? AND reviewer = ?',
  );

  app.post<{ Params: { id: number } }>(
    '/v1/qa/samples/:id/open',
    {
      config: { roles: PEOPLE },
      schema: {
        summary:
          'Mark that the caller opened a QA sample (its time per image starts here; the first open counts)',
        tags: ['qa'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'integer', minimum: 1 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['sampleId', 'reviewer', 'openedAt'],
            properties: {
              sampleId: { type: 'integer' },
              reviewer: { type: 'string' },
              openedAt: { type: 'integer' },
            },
          },
          404: errorSchema,
        },
      },
    },
    (request) => {
      const id = request.params.id;
      if (!sample.get(id)) throw new ApiError(404, `no QA sample ${id}`);
      const reviewer = request.principal?.name ?? 'unknown';
      open.run(id, reviewer, deps.now());
      return { sampleId: id, reviewer, openedAt: openedAt.get(id, reviewer)?.at ?? deps.now() };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/v1/annotators',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary:
          'Reviewer metrics: time and actions per image, agreement on double-reviewed samples, flags',
        description:
          'Response: { from, to (ms), rules: [text], reviewers: [{ reviewer, images, actions, actionsPerImage, timed, fromOpen, fromPrevious, idle, medianMs, meanMs, doubleReviewed, agreement, othersAgreement, flagged, why }], pairs: [{ sampleId, reviewers: [a, b], agreement }], overallAgreement }',
        tags: ['qa'],
        querystring: {
          type: 'object',
          properties: {
            from: {
              ...DAY,
              description: 'first day of review time (UTC), inclusive; default 4 weeks before to',
            },
            to: { ...DAY, description: 'last day, inclusive; default today' },
          },
        },
        response: { 400: errorSchema },
      },
    },
    (request, reply) => {
      const r = dayRange(request.query, deps.now(), 28);
      const report = annotatorReport(
        deps.ledger,
        { from: r.fromMs, to: r.toMs },
        { flag: loop.annotators },
      );
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
