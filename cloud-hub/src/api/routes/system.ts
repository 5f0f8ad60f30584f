// Liveness, readiness, Prometheus metrics and the OpenAPI document. Public: probes and scrapers
// carry no tokens, and none of these reveal frames or credentials.
import { randomBytes } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { ApiDeps } from '../deps.ts';

const status = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

/** 'ok' or why not. */
async function blobsWritable(deps: ApiDeps): Promise<string> {
  try {
    if (deps.blobStore instanceof FsBlobStore) {
      // A real write: permissions, a read-only mount, a full disk or a file where the folder
      // should be all show up here.
      const root = deps.blobStore.rootDir;
      await mkdir(root, { recursive: true });
      const probe = path.join(root, `.readyz-${process.pid}-${randomBytes(6).toString('hex')}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
    } else await deps.blobStore.exists('readyz/probe');
    return 'ok';
  } catch (err) {
    return `blob store not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

export function registerSystemRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  registry: Registry,
  openApi: () => object,
): void {
  const ping = deps.ledger.statement<[], { ok: number }>('SELECT 1 AS ok');

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['system'],
        response: { 200: status },
      },
    },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: ledger reachable and blob store writable',
        tags: ['system'],
        response: { 200: status, 503: status },
      },
    },
    async (_request, reply) => {
      let ledger = 'ok';
      try {
        if (ping.get()?.ok !== 1) ledger = 'ledger did not answer';
      } catch (err) {
        ledger = `ledger unreachable: ${(err as Error).message}`;
      }
      const blobs = await blobsWritable(deps);
      const ready = ledger === 'ok' && blobs === 'ok';
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not-ready', checks: { ledger, blobs } });
    },
  );

  app.get(
    '/metrics',
    {
      config: {
        openapi: {
          responses: {
            '200': {
              description: 'Prometheus text format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      schema: { summary: 'Prometheus metrics', tags: ['system'] },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );

  app.get(
    '/docs',
    { schema: { summary: 'This OpenAPI 3.1 document', tags: ['system'] } },
    (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(JSON.stringify(openApi())),
  );
}
