// A real hub API with feedback-loop settings, for the quality, shadow, drift, annotator and
// audit tests: SQLite ledger in a temp dir, filesystem blob store, an operator and two
// reviewers, plus helpers that store frames with cloud boxes and QA samples the way the hub does.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { buildApi } from '../../../cloud-hub/src/api/index.ts';
import { tokensFromDocument } from '../../../cloud-hub/src/auth/tokens-file.ts';
import { DeviceRegistry } from '../../../cloud-hub/src/broker/device-registry.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { CloudDetection, Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import type { LoopSettings } from '../../../cloud-hub/src/quality/settings.ts';

export const TOKENS = {
  olga: 'op-1111111111111111111111111111111111-operator',
  rita: 'rv-2222222222222222222222222222222222-reviewer',
  ravi: 'rv-3333333333333333333333333333333333-reviewer',
  remy: 'rv-4444444444444444444444444444444444-reviewer',
} as const;
export type Person = keyof typeof TOKENS;
export const as = (p: Person) => ({ authorization: `Bearer ${TOKENS[p]}` });

export interface LoopHub {
  base: string;
  app: FastifyInstance;
  ledger: Ledger;
  store: FsBlobStore;
  dir: string;
  get<T>(p: string, who?: Person): Promise<T>;
  post(p: string, body: unknown, who?: Person): Promise<Response>;
  close(): Promise<void>;
}

export async function startLoopHub(
  loop: Partial<LoopSettings> = {},
  now?: () => number,
): Promise<LoopHub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-loop-'));
  const ledger = openLedger(path.join(dir, 'pretag.db'));
  const registry = new DeviceRegistry(ledger.db, {
    scrypt: { N: 2 ** 10, r: 8, p: 1, keyLength: 32 },
  });
  const tokens = tokensFromDocument({
    tokens: [
      { name: 'olga', role: 'operator', token: TOKENS.olga },
      { name: 'rita', role: 'reviewer', token: TOKENS.rita },
      { name: 'ravi', role: 'reviewer', token: TOKENS.ravi },
      { name: 'remy', role: 'reviewer', token: TOKENS.remy },
    ],
  });
  const store = new FsBlobStore(path.join(dir, 'blobs'));
  const app = buildApi({ ledger, blobStore: store, registry, tokens, loop, ...(now && { now }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    app,
    ledger,
    store,
    dir,
    async get<T>(p: string, who: Person = 'olga'): Promise<T> {
      const res = await fetch(`${base}${p}`, { headers: as(who) });
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    post: (p, body, who = 'olga') =>
      fetch(`${base}${p}`, {
        method: 'POST',
        headers: { ...as(who), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async close() {
      await app.close();
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stores the frame and completes its detect job with `detections` from `modelId`. */
export function storeDetected(
  ledger: Ledger,
  frame: FramePayload,
  detections: CloudDetection[],
  modelId = 'centernet',
  at = 1_000,
): void {
  const r = ledger.frames.ingestFrame(frame, at);
  if (r.status !== 'inserted') throw new Error(`frame ${frame.frameId} not stored`);
  const [job] = ledger.jobs.lease('test', 1, 60_000, at + 1);
  if (job?.frameId !== frame.frameId)
    throw new Error(`leased ${job?.frameId} for ${frame.frameId}`);
  const done = ledger.jobs.complete(job.id, 'test', { modelId, detections }, 5, at + 2);
  if (!done.ok) throw new Error(`job for ${frame.frameId} not completed`);
}

let batchN = 0;
/** A QA sample of `frameId` in a batch of its own; returns the sample id. */
export function addSample(ledger: Ledger, frameId: string, camera = 'cam-0'): number {
  const id = `b-${++batchN}-${frameId}`;
  ledger.db
    .prepare(
      `INSERT INTO batches (id, site, camera, day, status, frame_count, created_at, updated_at)
       VALUES (?, 'dublin-plant-2', ?, '2026-11-27', 'closed', 1, 1, 1)`,
    )
    .run(id, camera);
  return Number(
    ledger.db
      .prepare(
        `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, status, created_at)
         VALUES (?, ?, '["stratified"]', '1', 'pending', 1)`,
      )
      .run(id, frameId).lastInsertRowid,
  );
}
