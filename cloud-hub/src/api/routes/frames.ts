// Frames: a filtered, paged list and one frame with its edge and cloud detections.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';

const box = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;

const frameSummary = {
  type: 'object',
  required: [
    'frameId',
    'site',
    'device',
    'camera',
    'capturedAt',
    'receivedAt',
    'blobKey',
    'reason',
    'state',
  ],
  properties: {
    frameId: { type: 'string' },
    site: { type: 'string' },
    device: { type: 'string' },
    camera: { type: 'string' },
    capturedAt: { type: 'string' },
    receivedAt: { type: 'integer' },
    blobKey: { type: 'string' },
    imageUrl: { type: 'string' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    bytes: { type: 'integer' },
    reason: { type: 'string' },
    state: { type: 'string' },
  },
} as const;

const storedDetection = {
  type: 'object',
  required: ['label', 'score', 'box'],
  properties: {
    label: { type: 'string' },
    score: { type: 'number' },
    box,
    modelId: { type: 'string' },
    kept: { type: ['boolean', 'null'] },
    dropReason: { type: ['string', 'null'] },
  },
} as const;

const frameDetail = {
  type: 'object',
  required: [...frameSummary.required, 'detections'],
  properties: {
    ...frameSummary.properties,
    sha256: { type: 'string' },
    motionScore: { type: ['number', 'null'] },
    modelId: { type: 'string' },
    thresholds: { type: 'object', additionalProperties: true },
    detections: {
      type: 'object',
      required: ['edge', 'cloud'],
      properties: {
        edge: { type: 'array', items: storedDetection },
        cloud: { type: 'array', items: storedDetection },
      },
    },
  },
} as const;

interface FrameListRow {
  frameId: string;
  site: string;
  device: string;
  camera: string;
  capturedAt: string;
  capturedAtMs: number;
  receivedAt: number;
  blobKey: string;
  width: number;
  height: number;
  bytes: number;
  reason: string;
  state: string;
}

interface FrameQuery {
  limit: number;
  cursor?: string;
  site?: string;
  camera?: string;
  from?: string;
  to?: string;
  reason?: string;
  state?: string;
}

function time(v: string | undefined, name: string): number | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new ApiError(400, `${name} "${v.slice(0, 40)}" is not a date-time`);
  return t;
}

export const imageUrl = (key: string) => `/v1/blobs/${key}`;

export function registerFrameRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger } = deps;
  const list = ledger.statement<[Record<string, unknown>], FrameListRow>(
    `SELECT frame_id AS frameId, site, device, camera, captured_at AS capturedAt,
       captured_at_ms AS capturedAtMs, received_at AS receivedAt, blob_key AS blobKey, width, height,
       bytes, reason, state
     FROM frames
     WHERE (@site IS NULL OR site = @site) AND (@camera IS NULL OR camera = @camera)
       AND (@from IS NULL OR captured_at_ms >= @from) AND (@to IS NULL OR captured_at_ms < @to)
       AND (@reason IS NULL OR reason = @reason) AND (@state IS NULL OR state = @state)
       AND (@ct IS NULL OR (captured_at_ms, frame_id) > (@ct, @cid))
     ORDER BY captured_at_ms, frame_id LIMIT @n`,
  );

  app.get<{ Querystring: FrameQuery }>(
    '/v1/frames',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Frames by capture time, filtered',
        tags: ['frames'],
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            site: { type: 'string' },
            camera: { type: 'string' },
            from: { type: 'string', format: 'date-time', description: 'captured at or after' },
            to: { type: 'string', format: 'date-time', description: 'captured before' },
            reason: { enum: ['prefilter', 'motion', 'audit', 'manual'] },
            state: { enum: ['pending', 'detected', 'dead'] },
          },
        },
        response: { 200: pageSchema(frameSummary), 400: errorSchema },
      },
    },
    (request) => {
      const q = request.query;
      const after = decodeCursor(q.cursor, ['number', 'string']);
      const rows = list.all({
        site: q.site ?? null,
        camera: q.camera ?? null,
        from: time(q.from, 'from'),
        to: time(q.to, 'to'),
        reason: q.reason ?? null,
        state: q.state ?? null,
        ct: after?.[0] ?? null,
        cid: after?.[1] ?? null,
        n: q.limit + 1,
      });
      const out = page(rows, q.limit, (r) => [r.capturedAtMs, r.frameId]);
      return { ...out, items: out.items.map((r) => ({ ...r, imageUrl: imageUrl(r.blobKey) })) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/frames/:id',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'One frame with its edge and cloud detections',
        tags: ['frames'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
        },
        response: { 200: frameDetail, 404: errorSchema },
      },
    },
    (request) => {
      const f = ledger.frames.getFrame(request.params.id);
      if (!f) throw new ApiError(404, `no frame ${request.params.id}`);
      return {
        ...f,
        imageUrl: imageUrl(f.blobKey),
        detections: ledger.frames.detectionsOf(f.frameId),
      };
    },
  );
}
