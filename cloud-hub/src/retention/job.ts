// The retention job: deletes frames received before the cutoff, their JPEG blobs first, then the
// rows (detections and jobs go with them). Batch records keep their own copy of what they
// exported, so batches stay. Works in chunks so one run never holds the write lock for long.
import type { BlobStore } from '@pretag/shared/blob/store';
import type { Logger } from '@pretag/shared/log/logger';
import type { Ledger } from '../ledger/index.ts';
import { auditLogFor } from '../audit/log.ts';
import { retentionCutoff } from './cutoff.ts';

export interface RetentionCounters {
  runs: number;
  framesDeleted: number;
  blobsDeleted: number;
  /** Blobs already gone (deleted by hand, or a crash between blob and row deletion). */
  blobsMissing: number;
  blobErrors: number;
  lastRunAt: number | null;
  lastCutoff: number | null;
}

export interface RetentionRunOptions {
  ledger: Ledger;
  blobs: BlobStore;
  days: number;
  now: number;
  /** Frames per chunk (default 500). */
  chunk?: number;
  logger?: Pick<Logger, 'warn'>;
}

export interface RetentionRunResult {
  cutoff: number;
  framesDeleted: number;
  blobsDeleted: number;
  blobsMissing: number;
  blobErrors: number;
}

export async function runRetention(o: RetentionRunOptions): Promise<RetentionRunResult> {
  const cutoff = retentionCutoff(o.now, o.days);
  const chunk = o.chunk ?? 500;
  const out: RetentionRunResult = {
    cutoff,
    framesDeleted: 0,
    blobsDeleted: 0,
    blobsMissing: 0,
    blobErrors: 0,
  };
  // A frame whose blob could not be deleted is skipped (kept) and retried next run; `skip`
  // stops this run from listing it again forever.
  const skip = new Set<string>();
  for (;;) {
    const expired = o.ledger.retention
      .framesOlderThan(cutoff, chunk + skip.size)
      .filter((f) => !skip.has(f.frameId));
    if (expired.length === 0) break;
    const deletable: string[] = [];
    for (const f of expired) {
      try {
        if (await o.blobs.delete(f.blobKey)) out.blobsDeleted++;
        else out.blobsMissing++;
        deletable.push(f.frameId);
      } catch (err) {
        out.blobErrors++;
        skip.add(f.frameId);
        o.logger?.warn(
          { frameId: f.frameId, blobKey: f.blobKey, err: (err as Error).message },
          'retention: cannot delete blob; frame kept until the next run',
        );
      }
    }
    out.framesDeleted += o.ledger.retention.deleteFrames(deletable);
    if (deletable.length === 0) break;
  }
  if (out.framesDeleted > 0)
    auditLogFor(o.ledger.db).record({
      actor: 'retention',
      role: 'system',
      action: 'retention.delete',
      target: 'frames',
      diff: { ...out, days: o.days },
      at: o.now,
    });
  return out;
}

export interface RetentionJobOptions {
  ledger: Ledger;
  blobs: BlobStore;
  /** Read at every run, so a reloaded hub.yaml applies without a restart. */
  days: () => number;
  intervalMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface RetentionJob {
  counters(): RetentionCounters;
  /** Runs once now (after any run in progress); resolves with that run's result. */
  runNow(): Promise<RetentionRunResult>;
  stop(): Promise<void>;
}

/** Runs retention at start and then every `intervalMs` (default hourly). */
export function startRetentionJob(o: RetentionJobOptions): RetentionJob {
  const now = o.now ?? Date.now;
  const counters: RetentionCounters = {
    runs: 0,
    framesDeleted: 0,
    blobsDeleted: 0,
    blobsMissing: 0,
    blobErrors: 0,
    lastRunAt: null,
    lastCutoff: null,
  };
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const once = async (): Promise<RetentionRunResult> => {
    const at = now();
    const r = await runRetention({
      ledger: o.ledger,
      blobs: o.blobs,
      days: o.days(),
      now: at,
      ...(o.logger && { logger: o.logger }),
    });
    counters.runs++;
    counters.framesDeleted += r.framesDeleted;
    counters.blobsDeleted += r.blobsDeleted;
    counters.blobsMissing += r.blobsMissing;
    counters.blobErrors += r.blobErrors;
    counters.lastRunAt = at;
    counters.lastCutoff = r.cutoff;
    if (r.framesDeleted > 0)
      o.logger?.info(
        { deleted: r.framesDeleted, cutoff: new Date(r.cutoff).toISOString() },
        'retention deleted old frames',
      );
    return r;
  };
  const runNow = (): Promise<RetentionRunResult> => {
    const next = running.then(once, once);
    running = next.catch((err: unknown) =>
      o.logger?.warn({ err: (err as Error).message }, 'retention run failed'),
    );
    return next;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow().catch(() => undefined);
  }, o.intervalMs ?? 3_600_000);
  timer.unref();
  void runNow().catch(() => undefined);
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
