// The in-process detection worker: leases jobs from the ledger in batches (up to maxFrames, or
// what arrived within maxWaitMs), detects them with bounded concurrency, completes or fails each
// one. Leases of a batch still running are extended; stop() (SIGTERM) stops leasing, lets the
// detections in flight finish and gives back every lease not yet worked on.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '@pretag/shared/log/logger';
import type { Ledger, LeasedJob } from '../ledger/index.ts';
import { fetchJpeg, finishDetection, runDetector } from './detect-job.ts';
import type { DetectDeps, DetectOutcome, Fetched } from './detect-job.ts';

export interface WorkerOptions extends DetectDeps {
  ledger: Ledger;
  /** Unique per worker incarnation; default host:pid:random. */
  owner?: string;
  maxFrames?: number;
  maxWaitMs?: number;
  concurrency?: number;
  leaseMs?: number;
  /** Sleep when the queue is empty. */
  idleMs?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
  now?: () => number;
  /** Called after the ledger has recorded a job's outcome. */
  onJob?(jobId: number, outcome: 'completed' | 'failed' | 'dead' | 'refused'): void;
}

export interface WorkerStats {
  batches: number;
  completed: number;
  failed: number;
  dead: number;
  /** Completions the ledger refused (the lease was lost to another worker). */
  refused: number;
  released: number;
  computeMs: number;
}

export interface RunningWorker {
  readonly owner: string;
  stats(): WorkerStats;
  /** Resolves when the queue is empty (for batch runs and tests). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export function workerOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export function startWorker(o: WorkerOptions): RunningWorker {
  const owner = o.owner ?? workerOwner();
  const maxFrames = o.maxFrames ?? 8;
  const maxWaitMs = o.maxWaitMs ?? 50;
  const concurrency = o.concurrency ?? 1;
  const leaseMs = o.leaseMs ?? 60_000;
  const idleMs = o.idleMs ?? 200;
  const now = o.now ?? Date.now;
  const jobs = o.ledger.jobs;
  const stats: WorkerStats = {
    batches: 0,
    completed: 0,
    failed: 0,
    dead: 0,
    refused: 0,
    released: 0,
    computeMs: 0,
  };
  const stopping = new AbortController();
  let idleWaiters: (() => void)[] = [];

  const leaseBatch = async (): Promise<LeasedJob[]> => {
    const batch = jobs.lease(owner, maxFrames, leaseMs, now());
    if (batch.length === 0 || batch.length >= maxFrames || maxWaitMs === 0) return batch;
    await sleep(maxWaitMs, stopping.signal);
    if (stopping.signal.aborted) return batch;
    return batch.concat(jobs.lease(owner, maxFrames - batch.length, leaseMs, now()));
  };

  const runBatch = async (batch: LeasedJob[]): Promise<void> => {
    const open = new Set(batch.map((j) => j.id));
    // Keep the leases of a long batch alive; a third of the lease leaves room for a slow tick.
    const keepAlive = setInterval(
      () => {
        for (const id of open) jobs.extend(id, owner, leaseMs, now());
      },
      Math.max(50, leaseMs / 3),
    );
    // Every JPEG of the batch is read at once, so reads overlap detection.
    const fetched = new Map(batch.map((j) => [j.id, fetchJpeg(j, o.blobs)]));
    const record = (job: LeasedJob, out: DetectOutcome): void => {
      open.delete(job.id);
      if (out.ok) {
        const r = jobs.complete(job.id, owner, out.result, out.computeMs, now());
        if (r.ok) {
          stats.completed++;
          stats.computeMs += out.computeMs;
        } else {
          stats.refused++;
          o.logger?.warn({ jobId: job.id, reason: r.reason }, r.message);
        }
        o.onJob?.(job.id, r.ok ? 'completed' : 'refused');
      } else {
        const r = jobs.fail(job.id, owner, out.error, now());
        const outcome = !r.ok ? 'refused' : r.state === 'dead' ? 'dead' : 'failed';
        stats[outcome]++;
        o.onJob?.(job.id, outcome);
        o.logger?.warn({ jobId: job.id, frameId: job.frameId }, out.error);
      }
    };
    let next = 0;
    // One lane per unit of concurrency. A lane starts its next detection before it cleans and
    // stores the previous frame, so that work fills the time the detector spends off the main
    // thread (image decoding, inference).
    const lane = async (): Promise<void> => {
      let pending: (() => void) | undefined;
      const flush = (): void => {
        const p = pending;
        pending = undefined;
        p?.();
      };
      while (next < batch.length && !stopping.signal.aborted) {
        const job = batch[next++] as LeasedJob;
        const f = (await fetched.get(job.id)) as Fetched;
        if (!f.ok) {
          flush();
          record(job, f);
          continue;
        }
        const detecting = runDetector(f.jpeg, o.detector);
        flush();
        const d = await detecting;
        pending = () => record(job, finishDetection({ ...job, jobId: job.id }, d, o));
      }
      flush();
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, lane));
    } finally {
      clearInterval(keepAlive);
      if (open.size) stats.released += jobs.release(owner, now(), [...open]);
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let batch: LeasedJob[];
      try {
        batch = await leaseBatch();
      } catch (err) {
        o.logger?.warn({ err: (err as Error).message }, 'lease failed; retrying');
        await sleep(idleMs, stopping.signal);
        continue;
      }
      if (batch.length === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
        await sleep(idleMs, stopping.signal);
        continue;
      }
      stats.batches++;
      await runBatch(batch);
    }
  })();

  return {
    owner,
    stats: () => ({ ...stats }),
    drained: () => new Promise((resolve) => idleWaiters.push(resolve)),
    async stop() {
      stopping.abort();
      await loop;
      stats.released += jobs.release(owner, now());
      for (const w of idleWaiters) w();
      idleWaiters = [];
    },
  };
}

/** Stops the worker on SIGTERM/SIGINT (leases given back), then calls `exit`. */
export function stopOnSignals(worker: { stop(): Promise<void> }, exit: () => void): () => void {
  const onSignal = (): void => {
    void worker.stop().then(exit, exit);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
