// Probes, metrics and the OpenAPI document over real HTTP.
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.close());

describe('OpenAPI document', () => {
  it('is served at /docs as JSON and lists every route with its methods', async () => {
    const res = await fetch(`${hub.base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = JSON.parse(await res.text()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: object; security: unknown[] }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    // The routes the hub API promises (issue 5 / DESIGN "Contracts"), written out by hand.
    const expected: Record<string, string[]> = {
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/metrics': ['get'],
      '/docs': ['get'],
      '/v1/blobs/{key}': ['get', 'head', 'put'],
      '/v1/devices': ['get'],
      '/v1/cameras': ['get'],
      '/v1/frames': ['get'],
      '/v1/frames/{id}': ['get'],
      '/v1/jobs/dead': ['get'],
      '/v1/jobs/{id}/requeue': ['post'],
      '/v1/batches': ['get'],
      '/v1/batches/{id}': ['get'],
      '/v1/batches/{id}/coco': ['get'],
      '/v1/qa/samples': ['get'],
      '/v1/qa/samples/{id}/review': ['post'],
      '/v1/reports/daily': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths), path).toContain(path);
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual(
        expect.arrayContaining(methods),
      );
    }
    // Protected operations declare the bearer scheme; parameters come from the schemas.
    expect(doc.paths['/v1/jobs/dead']?.get?.security).toEqual([{ bearer: [] }]);
    const frames = doc.paths['/v1/frames']?.get as unknown as { parameters: { name: string }[] };
    expect(frames.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'camera', 'from', 'to', 'reason', 'state']),
    );
  });
});

describe('metrics', () => {
  it('counts requests by route template in Prometheus text format', async () => {
    await fetch(`${hub.base}/v1/frames/some-frame`, { headers: operator });
    const res = await fetch(`${hub.base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /pretag_http_requests_total\{method="GET",route="\/v1\/frames\/:id",status="404"\} 1/,
    );
    expect(text).toMatch(/pretag_http_request_duration_seconds_bucket/);
    expect(text).toMatch(/pretag_jobs\{state="queued"\} 0/);
  });
});

describe('probes', () => {
  it('/healthz is ok; /readyz is ready, then 503 once the blob folder cannot be written', async () => {
    expect((await fetch(`${hub.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${hub.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { ledger: 'ok', blobs: 'ok' } });

    // Tests run as root, so permission bits would not stop a write: put a file where the blob
    // folder should be instead.
    rmSync(hub.blobRoot, { recursive: true, force: true });
    writeFileSync(hub.blobRoot, 'not a folder');
    const broken = await fetch(`${hub.base}/readyz`);
    expect(broken.status).toBe(503);
    const body = (await broken.json()) as {
      status: string;
      checks: { ledger: string; blobs: string };
    };
    expect(body.status).toBe('not-ready');
    expect(body.checks.ledger).toBe('ok');
    expect(body.checks.blobs).toMatch(/not writable/);
    expect((await fetch(`${hub.base}/healthz`)).status).toBe(200);
  });

  it('unknown routes answer 404 JSON', async () => {
    const res = await fetch(`${hub.base}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not-found' });
  });
});
