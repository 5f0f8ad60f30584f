// QA samples for reviewers and their verdicts. One review is one verdict on one box: accept it,
// reject it (no such object), fix it (right object, wrong class or box), or add a missed object.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';
import { imageUrl } from './frames.ts';
import { reviewersNeeded } from '../../annotators/overlap.ts';
import { auditLogFor } from '../../audit/log.ts';

const box = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;

const sampleItem = {
  type: 'object',
  required: ['id', 'batchId', 'frameId', 'reasons', 'status', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    batchId: { type: 'string' },
    frameId: { type: 'string' },
    camera: { type: ['string', 'null'] },
    imageUrl: { type: ['string', 'null'] },
    reasons: {},
    seed: { type: 'string' },
    status: { type: 'string' },
    createdAt: { type: 'integer' },
  },
} as const;

const VERDICTS = ['accepted', 'rejected', 'fixed', 'missed'] as const;
type Verdict = (typeof VERDICTS)[number];

interface ReviewBody {
  verdict: Verdict;
  label: string;
  score?: number;
  box?: [number, number, number, number];
  note?: string;
}

const reviewBody = {
  type: 'object',
  required: ['verdict', 'label'],
  additionalProperties: false,
  properties: {
    verdict: {
      enum: VERDICTS,
      description:
        'accepted: the box is right; rejected: no such object; fixed: right object, class or box corrected (label/box as corrected); missed: an object the pre-tags lacked (box required)',
    },
    label: { type: 'string', minLength: 1, maxLength: 64 },
    score: { type: 'number', minimum: 0, maximum: 1, description: "the pre-tagged box's score" },
    box: { ...box, items: { type: 'number', minimum: 0, maximum: 100000 } },
    note: { type: 'string', maxLength: 500 },
  },
} as const;

/** One verdict as stored; the sample detail lists them with these fields. */
export const verdictProperties = {
  id: { type: 'integer' },
  reviewer: { type: 'string' },
  verdict: { type: 'string' },
  label: { type: 'string' },
  score: { type: ['number', 'null'] },
  box: { type: ['array', 'null'], items: { type: 'number' } },
  note: { type: ['string', 'null'] },
  createdAt: { type: 'integer' },
} as const;

const reviewResult = {
  type: 'object',
  required: ['id', 'sampleId', 'frameId', 'camera', 'reviewer', 'verdict', 'label', 'createdAt'],
  properties: {
    ...verdictProperties,
    sampleId: { type: 'integer' },
    frameId: { type: 'string' },
    camera: { type: 'string' },
  },
} as const;

interface SampleRow {
  id: number;
  batchId: string;
  frameId: string;
  camera: string | null;
  blobKey: string | null;
  reasons: string;
  seed: string;
  status: string;
  createdAt: number;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `overlap`: the share of samples two reviewers must review (double review); such a sample stays
 * pending until a second reviewer has given a verdict.
 */
export function registerQaRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  overlap: { share: number; seed: number } = { share: 0, seed: 1 },
): void {
  const { ledger } = deps;
  // The frame may be gone (retention keeps batches, not frames): camera then comes from the batch.
  const SAMPLE = `SELECT q.id, q.batch_id AS batchId, q.frame_id AS frameId,
       coalesce(f.camera, b.camera) AS camera, f.blob_key AS blobKey, q.reasons, q.seed, q.status,
       q.created_at AS createdAt
     FROM qa_samples q JOIN batches b ON b.id = q.batch_id
     LEFT JOIN frames f ON f.frame_id = q.frame_id`;
  const list = ledger.statement<[Record<string, unknown>], SampleRow>(
    `${SAMPLE} WHERE (@status IS NULL OR q.status = @status) AND (@batch IS NULL OR q.batch_id = @batch)
       AND (@after IS NULL OR q.id > @after)
       -- A sample waiting for its second reviewer is not pending for the first one.
       AND (@status IS NOT 'pending' OR NOT EXISTS
         (SELECT 1 FROM reviews r WHERE r.sample_id = q.id AND r.reviewer = @me))
     ORDER BY q.id LIMIT @n`,
  );
  const one = ledger.statement<[number], SampleRow>(`${SAMPLE} WHERE q.id = ?`);
  const insert = ledger.statement<
    [
      number,
      string,
      string,
      string,
      Verdict,
      string,
      number | null,
      string | null,
      string | null,
      number,
    ]
  >(
    `INSERT INTO reviews (sample_id, frame_id, camera, reviewer, verdict, label, score, box, note, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const markReviewed = ledger.statement<[number, number, number]>(
    `UPDATE qa_samples SET status = 'reviewed' WHERE id = ?
       AND (SELECT count(DISTINCT reviewer) FROM reviews WHERE sample_id = ?) >= ?`,
  );
  const audit = auditLogFor(ledger.db);
  const review = ledger.db.transaction(
    (
      s: SampleRow,
      reviewer: string,
      b: ReviewBody,
      now: number,
      by: { role: string; address: string },
    ) => {
      const info = insert.run(
        s.id,
        s.frameId,
        s.camera ?? '',
        reviewer,
        b.verdict,
        b.label,
        b.score ?? null,
        b.box ? JSON.stringify(b.box) : null,
        b.note ?? null,
        now,
      );
      markReviewed.run(s.id, s.id, reviewersNeeded(s.id, overlap.share, overlap.seed));
      const id = Number(info.lastInsertRowid);
      audit.record({
        actor: reviewer,
        role: by.role,
        action: 'review',
        target: `sample:${s.id}`,
        diff: {
          review: id,
          frameId: s.frameId,
          verdict: b.verdict,
          label: b.label,
          box: b.box ?? null,
        },
        address: by.address,
        at: now,
      });
      return id;
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; status?: string; batch?: string } }>(
    '/v1/qa/samples',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'QA samples to review',
        tags: ['qa'],
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            status: { enum: ['pending', 'reviewed'] },
            batch: { type: 'string' },
          },
        },
        response: { 200: pageSchema(sampleItem), 400: errorSchema },
      },
    },
    (request) => {
      const q = request.query;
      const after = decodeCursor(q.cursor, ['number']);
      const rows = list.all({
        status: q.status ?? null,
        batch: q.batch ?? null,
        after: after?.[0] ?? null,
        me: request.principal?.name ?? '',
        n: q.limit + 1,
      });
      const out = page(rows, q.limit, (r) => [r.id]);
      return {
        ...out,
        items: out.items.map(({ blobKey, reasons, ...r }) => ({
          ...r,
          reasons: parseJson(reasons),
          imageUrl: blobKey === null ? null : imageUrl(blobKey),
        })),
      };
    },
  );

  app.post<{ Params: { id: number }; Body: ReviewBody }>(
    '/v1/qa/samples/:id/review',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Record a verdict on one box of a QA sample',
        tags: ['qa'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'integer', minimum: 1 } },
        },
        body: reviewBody,
        response: { 201: reviewResult, 400: errorSchema, 404: errorSchema },
      },
    },
    (request, reply) => {
      const b = request.body;
      if (b.verdict === 'missed' && !b.box)
        throw new ApiError(400, 'a missed object needs its box [x1, y1, x2, y2]');
      if (b.box && !(b.box[2] > b.box[0] && b.box[3] > b.box[1]))
        throw new ApiError(400, 'box must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1');
      const s = one.get(request.params.id);
      if (!s) throw new ApiError(404, `no QA sample ${request.params.id}`);
      const reviewer = request.principal?.name ?? 'unknown';
      const now = deps.now();
      const id = review.immediate(s, reviewer, b, now, {
        role: request.principal?.role ?? 'reviewer',
        address: request.ip,
      });
      return reply.code(201).send({
        id,
        sampleId: s.id,
        frameId: s.frameId,
        camera: s.camera ?? '',
        reviewer,
        verdict: b.verdict,
        label: b.label,
        score: b.score ?? null,
        box: b.box ?? null,
        note: b.note ?? null,
        createdAt: now,
      });
    },
  );
}
