// The periodic batch step of a running hub: detected frames join batches, finished camera-days
// close, and every batch that closed (ready) and has no QA sample yet is sampled.
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { Logger } from '@pretag/shared/log/logger';
import type { BatchRegistry } from '../batches/registry.ts';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { Ledger } from '../ledger/index.ts';
import { sampleClosedBatch } from './qa-on-close.ts';

export interface BatchCycleCounters {
  runs: number;
  framesBatched: number;
  batchesSampled: number;
  samples: number;
  errors: number;
}

export interface BatchCycle {
  counters(): BatchCycleCounters;
  /** One step now; resolves when it is done (a step already running is joined, not repeated). */
  runNow(): Promise<void>;
  /** No more steps; resolves when a step still running has finished (before the ledger closes). */
  stop(): Promise<void>;
}

export function startBatchCycle(o: {
  ledger: Ledger;
  /** Where the frames' JPEGs are, for the QA diversity embeddings. */
  blobs?: BlobStore;
  batches: BatchRegistry;
  config: () => HubConfig;
  intervalMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}): BatchCycle {
  const now = o.now ?? Date.now;
  const counters: BatchCycleCounters = {
    runs: 0,
    framesBatched: 0,
    batchesSampled: 0,
    samples: 0,
    errors: 0,
  };
  const unsampled = o.ledger.statement<[], string>(
    `SELECT b.id FROM batches b WHERE b.status = 'ready'
       AND NOT EXISTS (SELECT 1 FROM qa_samples q WHERE q.batch_id = b.id) ORDER BY b.created_at, b.id`,
  );
  const empty = new Set<string>();
  const step = async (): Promise<void> => {
    try {
      const t = now();
      counters.framesBatched += o.batches.assignDetected(t);
      o.batches.sealFinishedDays(t);
      for (const id of unsampled.pluck().all()) {
        if (empty.has(id)) continue;
        const n = await sampleClosedBatch(o.ledger, o.config(), id, t, o.blobs);
        // A batch whose frames are all gone (retention) yields no sample; do not retry it.
        if (n === 0) empty.add(id);
        counters.batchesSampled++;
        counters.samples += n;
        o.logger?.info({ batch: id, samples: n }, 'batch closed; QA sample drawn');
      }
      counters.runs++;
    } catch (err) {
      counters.errors++;
      o.logger?.warn({ err: (err as Error).message }, 'batch step failed; retrying next time');
    }
  };
  let running: Promise<void> | undefined;
  let stopped = false;
  const runNow = (): Promise<void> => {
    if (stopped) return running ?? Promise.resolve();
    running ??= step().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void runNow(), o.intervalMs ?? 5_000);
  timer.unref();
  return {
    counters: () => ({ ...counters }),
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
