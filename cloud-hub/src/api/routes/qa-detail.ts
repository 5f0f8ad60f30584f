// One QA sample with everything a reviewer's screen needs: the image, its size, the edge boxes
// and the cloud boxes cleanup kept (each marked with its source), and the verdicts so far. Plus
// the queue's progress. Width, height and boxes fall back to what the batch stored when
// retention has deleted the frame.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import { readJsonColumn } from '../../ledger/json-column.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { imageUrl } from './frames.ts';
import { verdictProperties } from './qa.ts';

const box = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;
const shownBox = {
  type: 'object',
  required: ['source', 'label', 'score', 'box'],
  properties: {
    source: { enum: ['edge', 'cloud'] },
    label: { type: 'string' },
    score: { type: 'number' },
    box,
  },
} as const;

const detail = {
  type: 'object',
  required: ['id', 'batchId', 'frameId', 'reasons', 'status', 'createdAt', 'boxes', 'reviews'],
  properties: {
    id: { type: 'integer' },
    batchId: { type: 'string' },
    frameId: { type: 'string' },
    site: { type: ['string', 'null'] },
    camera: { type: ['string', 'null'] },
    capturedAt: { type: ['string', 'null'] },
    width: { type: ['integer', 'null'] },
    height: { type: ['integer', 'null'] },
    imageUrl: { type: ['string', 'null'] },
    reasons: {},
    status: { type: 'string' },
    createdAt: { type: 'integer' },
    boxes: { type: 'array', items: shownBox },
    reviews: {
      type: 'array',
      items: { type: 'object', properties: verdictProperties },
    },
  },
} as const;

interface Row {
  id: number;
  batchId: string;
  frameId: string;
  reasons: string;
  status: string;
  createdAt: number;
  site: string | null;
  camera: string | null;
  capturedAt: string | null;
  width: number | null;
  height: number | null;
  blobKey: string | null;
  image: string | null;
  annotations: string | null;
}

interface ReviewRow {
  id: number;
  reviewer: string;
  verdict: string;
  label: string;
  score: number | null;
  box: string | null;
  note: string | null;
  createdAt: number;
}

export function registerQaDetailRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger } = deps;
  const one = ledger.statement<[number], Row>(
    `SELECT q.id, q.batch_id AS batchId, q.frame_id AS frameId, q.reasons, q.status,
       q.created_at AS createdAt, coalesce(f.site, b.site) AS site,
       coalesce(f.camera, b.camera) AS camera, f.captured_at AS capturedAt, f.width, f.height,
       f.blob_key AS blobKey, bf.image, bf.annotations
     FROM qa_samples q JOIN batches b ON b.id = q.batch_id
     LEFT JOIN frames f ON f.frame_id = q.frame_id
     LEFT JOIN batch_frames bf ON bf.batch_id = q.batch_id AND bf.frame_id = q.frame_id
     WHERE q.id = ?`,
  );
  const reviews = ledger.statement<[number], ReviewRow>(
    `SELECT id, reviewer, verdict, label, score, box, note, created_at AS createdAt
     FROM reviews WHERE sample_id = ? ORDER BY id`,
  );
  const progress = ledger.statement<
    [{ batch: string | null }],
    { total: number; pending: number; reviewed: number }
  >(
    `SELECT count(*) AS total, coalesce(sum(status = 'pending'), 0) AS pending,
       coalesce(sum(status = 'reviewed'), 0) AS reviewed
     FROM qa_samples WHERE (@batch IS NULL OR batch_id = @batch)`,
  );

  app.get<{ Params: { id: number } }>(
    '/v1/qa/samples/:id',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'One QA sample with its image, edge and kept cloud boxes, and its reviews',
        tags: ['qa'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'integer', minimum: 1 } },
        },
        response: { 200: detail, 404: errorSchema },
      },
    },
    (request) => {
      const r = one.get(request.params.id);
      if (!r) throw new ApiError(404, `no QA sample ${request.params.id}`);
      const stored = readJsonColumn(r.image) as {
        width?: number;
        height?: number;
        blob_key?: string;
      } | null;
      const blobKey = r.blobKey ?? stored?.blob_key ?? null;
      let boxes: { source: 'edge' | 'cloud'; label: string; score: number; box: number[] }[];
      if (r.blobKey !== null) {
        const d = ledger.frames.detectionsOf(r.frameId);
        boxes = [
          ...d.edge.map((x) => ({
            source: 'edge' as const,
            label: x.label,
            score: x.score,
            box: [...x.box],
          })),
          ...d.cloud
            .filter((x) => x.kept !== false)
            .map((x) => ({
              source: 'cloud' as const,
              label: x.label,
              score: x.score,
              box: [...x.box],
            })),
        ];
      } else {
        const kept = (readJsonColumn(r.annotations) ?? []) as {
          label: string;
          score: number;
          bbox: number[];
        }[];
        boxes = kept.map((k) => {
          const [x = 0, y = 0, w = 0, h = 0] = k.bbox;
          return {
            source: 'cloud' as const,
            label: k.label,
            score: k.score,
            box: [x, y, x + w, y + h],
          };
        });
      }
      return {
        id: r.id,
        batchId: r.batchId,
        frameId: r.frameId,
        site: r.site,
        camera: r.camera,
        capturedAt: r.capturedAt,
        width: r.width ?? stored?.width ?? null,
        height: r.height ?? stored?.height ?? null,
        imageUrl: blobKey === null ? null : imageUrl(blobKey),
        reasons: readJsonColumn(r.reasons) ?? r.reasons,
        status: r.status,
        createdAt: r.createdAt,
        boxes,
        reviews: reviews
          .all(r.id)
          .map((v) => ({ ...v, box: readJsonColumn(v.box) as number[] | null })),
      };
    },
  );

  app.get<{ Querystring: { batch?: string } }>(
    '/v1/qa/progress',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'How many QA samples there are, pending and reviewed (all, or one batch)',
        tags: ['qa'],
        querystring: { type: 'object', properties: { batch: { type: 'string' } } },
        response: {
          200: {
            type: 'object',
            required: ['total', 'pending', 'reviewed'],
            properties: {
              total: { type: 'integer' },
              pending: { type: 'integer' },
              reviewed: { type: 'integer' },
            },
          },
        },
      },
    },
    (request) => progress.get({ batch: request.query.batch ?? null }),
  );
}
