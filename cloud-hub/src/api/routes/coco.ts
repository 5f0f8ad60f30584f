// GET /v1/batches/:id/coco: a batch as COCO JSON (the batches module builds it). Exporting moves
// a ready batch to exported, as the registry defines; downloading again re-exports.
import type { FastifyInstance } from 'fastify';
import { PEOPLE } from '../../auth/roles.ts';
import { BatchError } from '../../batches/registry.ts';
import type { BatchRegistry } from '../../batches/registry.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';

export function registerCocoRoute(
  app: FastifyInstance,
  deps: ApiDeps,
  batches: Pick<BatchRegistry, 'exportCoco'>,
  publicUrl: string | undefined,
): void {
  app.get<{ Params: { id: string } }>(
    '/v1/batches/:id/coco',
    {
      config: {
        roles: PEOPLE,
        openapi: {
          responses: {
            '200': {
              description: 'COCO JSON (images with blob URLs, kept boxes as xywh, categories)',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      schema: {
        summary: 'Download a ready or exported batch as COCO JSON',
        tags: ['batches'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    (request, reply) => {
      const id = request.params.id;
      const base = publicUrl ?? `${request.protocol}://${request.host}`;
      let coco;
      try {
        coco = batches.exportCoco(id, { publicBaseUrl: base, now: deps.now() });
      } catch (err) {
        if (err instanceof BatchError)
          throw new ApiError(err.message.startsWith('no batch') ? 404 : 409, err.message);
        throw err;
      }
      const file = `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.coco.json`;
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(JSON.stringify(coco));
    },
  );
}
