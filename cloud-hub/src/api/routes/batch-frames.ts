// GET /v1/batches/:id/frames: a batch's frames as the batch stored them (image entry and kept
// boxes), for a thumbnail grid. Reading it does not export the batch, unlike the COCO download.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { BatchBox, BatchImage } from '../../batches/coco-export.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { imageUrl } from './frames.ts';

const MAX_FRAMES = 2000;

const item = {
  type: 'object',
  required: ['frameId', 'width', 'height', 'boxes'],
  properties: {
    frameId: { type: 'string' },
    imageUrl: { type: ['string', 'null'] },
    width: { type: 'integer' },
    height: { type: 'integer' },
    site: { type: ['string', 'null'] },
    camera: { type: ['string', 'null'] },
    capturedAt: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    boxes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'score', 'bbox'],
        properties: {
          label: { type: 'string' },
          score: { type: 'number' },
          bbox: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
        },
      },
    },
  },
} as const;

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function registerBatchFramesRoute(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger } = deps;
  const exists = ledger.statement<[string], { id: string }>('SELECT id FROM batches WHERE id = ?');
  const rows = ledger.statement<
    [string, number],
    { frameId: string; image: string; annotations: string }
  >(
    `SELECT frame_id AS frameId, image, annotations FROM batch_frames WHERE batch_id = ?
     ORDER BY position LIMIT ?`,
  );

  app.get<{ Params: { id: string } }>(
    '/v1/batches/:id/frames',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: `A batch's frames with their kept boxes (xywh), at most ${MAX_FRAMES}`,
        tags: ['batches'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['batchId', 'items'],
            properties: { batchId: { type: 'string' }, items: { type: 'array', items: item } },
          },
          404: errorSchema,
        },
      },
    },
    (request) => {
      const id = request.params.id;
      if (!exists.get(id)) throw new ApiError(404, `no batch ${id}`);
      return {
        batchId: id,
        items: rows.all(id, MAX_FRAMES).map((r) => {
          const img = parse<Partial<BatchImage>>(r.image, {});
          return {
            frameId: r.frameId,
            imageUrl: img.blob_key ? imageUrl(img.blob_key) : null,
            width: img.width ?? 0,
            height: img.height ?? 0,
            site: img.site ?? null,
            camera: img.camera ?? null,
            capturedAt: img.captured_at ?? null,
            reason: img.reason ?? null,
            boxes: parse<BatchBox[]>(r.annotations, []),
          };
        }),
      };
    },
  );
}
