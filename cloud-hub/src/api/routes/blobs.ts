// The hub's own blob store over HTTP: devices PUT frame JPEGs under their own site and cameras;
// people (for the review UI) and the owning device read them back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseFrameBlobKey } from '@pretag/shared/blob/keys';
import { DEVICE_ONLY } from '../../auth/roles.ts';
import type { Principal, Role } from '../../auth/roles.ts';
import {
  blobKeyFromRawUrl,
  checkContentMd5,
  deviceWriteTarget,
  looksLikeJpeg,
} from '../blob-request.ts';
import type { ApiDeps } from '../deps.ts';
import '../request-types.ts';
import { ApiError, errorSchema } from '../errors.ts';

const putResult = {
  type: 'object',
  required: ['key', 'bytes', 'created'],
  properties: {
    key: { type: 'string' },
    bytes: { type: 'integer' },
    created: { type: 'boolean', description: 'false when identical content was already stored' },
  },
} as const;

const READERS: readonly Role[] = ['operator', 'reviewer', 'device'];

const binary = (type: string) => ({ [type]: { schema: { type: 'string', format: 'binary' } } });

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);

function keyOf(request: FastifyRequest): string {
  const k = blobKeyFromRawUrl(request.raw.url ?? '');
  if (!k.ok) throw new ApiError(400, k.message);
  return k.key;
}

/**
 * Runs `fn` after every earlier call for the same key has finished, so two PUTs of one key
 * cannot both see "absent" and both answer 201 (one of them gets 200 or 409 instead).
 */
function keyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export function registerBlobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger, blobStore } = deps;
  const oneAtATime = keyedQueue();
  const claim = ledger.statement<[string, string, string, number, number]>(
    `INSERT INTO cameras (site, camera, device, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (site, camera) DO NOTHING`,
  );
  const ownerOf = ledger.statement<[string, string], { device: string }>(
    'SELECT device FROM cameras WHERE site = ? AND camera = ?',
  );

  const mustOwn = (p: Extract<Principal, { role: 'device' }>, site: string, camera: string) => {
    const owner = ownerOf.get(site, camera)?.device;
    if (owner !== p.device)
      throw new ApiError(
        403,
        `camera ${camera} at ${site} belongs to ${owner === undefined ? 'no device' : 'another device'}`,
      );
  };

  app.put(
    '/v1/blobs/*',
    {
      bodyLimit: deps.limits.blobBytes,
      config: {
        roles: DEVICE_ONLY,
        openapi: {
          requestBody: { required: true, content: binary('image/jpeg') },
        },
      },
      schema: {
        summary: 'Store a frame JPEG (devices, own site and cameras only)',
        description:
          'Key: frames/{site}/{camera}/{yyyy}/{mm}/{dd}/{frameId}.jpg. An unclaimed camera is claimed by the writing device. ' +
          'Content-MD5 is checked when sent. Identical content already stored answers 200. With If-None-Match: * different content is refused (409); without it, it replaces the blob (201).',
        tags: ['blobs'],
        response: {
          200: { ...putResult, description: 'identical content already stored' },
          201: { ...putResult, description: 'stored' },
          400: errorSchema,
          409: errorSchema,
          413: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.role !== 'device') throw new ApiError(403, 'only devices write blobs');
      const key = keyOf(request);
      const target = deviceWriteTarget(key, p);
      if (!target.ok) throw new ApiError(target.status, target.message);
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new ApiError(400, 'the body must be the JPEG bytes (Content-Type: image/jpeg)');
      if (!looksLikeJpeg(body)) throw new ApiError(400, 'the body is not a JPEG');
      const md5 = checkContentMd5(headerValue(request.headers['content-md5']), body);
      if (!md5.ok) throw new ApiError(400, md5.message);
      const now = deps.now();
      claim.run(target.site, target.camera, p.device, now, now);
      mustOwn(p, target.site, target.camera);
      const createOnly = request.headers['if-none-match']?.trim() === '*';
      const created = await oneAtATime(key, async () => {
        const existing = await blobStore.get(key);
        if (existing !== undefined) {
          if (Buffer.from(existing.buffer, existing.byteOffset, existing.byteLength).equals(body))
            return false;
          if (createOnly) throw new ApiError(409, `${key} already holds different content`);
        }
        await blobStore.put(key, body, { contentType: 'image/jpeg' });
        return true;
      });
      return reply.code(created ? 201 : 200).send({ key, bytes: body.length, created });
    },
  );

  const read = async (request: FastifyRequest, reply: FastifyReply, withBody: boolean) => {
    const key = keyOf(request);
    const p = request.principal;
    if (p?.role === 'device') {
      const parts = parseFrameBlobKey(key);
      if (!parts || parts.site !== p.site)
        throw new ApiError(403, `device ${p.name} may read only its own frames`);
      mustOwn(p, parts.site, parts.camera);
    }
    const info = await blobStore.head(key);
    if (!info) throw new ApiError(404, `no blob ${key}`);
    reply
      .header('content-type', info.contentType)
      .header('last-modified', info.lastModified.toUTCString())
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=3600');
    if (!withBody) return reply.header('content-length', info.size).send();
    const bytes = await blobStore.get(key);
    if (!bytes) throw new ApiError(404, `no blob ${key}`);
    return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };

  const readDoc = (method: string) => ({
    config: {
      roles: READERS,
      openapi: { responses: { '200': { description: 'the blob', content: binary('image/jpeg') } } },
    },
    schema: {
      summary: `${method} a blob (people; devices their own frames)`,
      tags: ['blobs'],
      response: { 400: errorSchema, 404: errorSchema },
    },
  });
  app.head('/v1/blobs/*', readDoc('HEAD'), (req, reply) => read(req, reply, false));
  app.get('/v1/blobs/*', { ...readDoc('GET'), exposeHeadRoute: false }, (req, reply) =>
    read(req, reply, true),
  );
}
