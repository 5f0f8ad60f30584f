// The detection job queue, kept in the ledger so a job and the frame it belongs to change in the
// same transaction. Workers lease jobs for a while; a worker that dies simply lets its lease run
// out and the job comes back. Only the current lease owner may complete or fail a job, so a
// worker that wakes up after its lease was taken over cannot write a second result.
//
// A completion that arrives after its lease ran out is still accepted while nobody else has taken
// the job over: the work is then done once either way.
//
// Owner ids must be unique per worker incarnation (e.g. host:pid:random), not per host: a
// restarted worker must not be able to complete the leases of the one that died.
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { detectionSchema } from '@pretag/shared/detection/schema';
import { afterFailure, retryPolicyProblem, DEFAULT_RETRY_POLICY } from './backoff.ts';
import type { RetryPolicy } from './backoff.ts';
import { JOB_STATES } from './types.ts';
import type { CloudDetection, Job, JobState, LeasedJob } from './types.ts';

export const MAX_ERROR_LENGTH = 2_000;

export type RefusalReason = 'unknown-job' | 'not-leased' | 'stale-owner' | 'invalid';

export type Refused = { ok: false; reason: RefusalReason; message: string };

export type CompleteResult = { ok: true } | Refused;

export type FailResult =
  { ok: true; state: 'failed'; nextRunAt: number } | { ok: true; state: 'dead' } | Refused;

export interface CloudResult {
  /** The cloud detector's model id, stored with each box. */
  modelId: string;
  detections: readonly CloudDetection[];
}

export interface DeadJob {
  id: number;
  frameId: string;
  site: string;
  camera: string;
  attempts: number;
  lastError: string | null;
  /** When it was dead-lettered. */
  diedAt: number;
}

export interface JobQueue {
  /** Atomically claims up to n due jobs: queued or failed past their retry time, or leased with an expired lease. */
  lease(owner: string, n: number, leaseMs: number, now: number): LeasedJob[];
  /** Pushes the owner's lease out to now + leaseMs (for work that runs long). */
  extend(jobId: number, owner: string, leaseMs: number, now: number): boolean;
  /** Stores the cloud detections beside the edge ones and marks the job done, in one transaction. */
  complete(
    jobId: number,
    owner: string,
    cloud: CloudResult,
    computeMs: number,
    now?: number,
  ): CompleteResult;
  /** A failed attempt: retry later with backoff, or dead-letter after the last attempt. */
  fail(jobId: number, owner: string, error: string, now: number): FailResult;
  /** Gives back the owner's leases (all, or those listed) for shutdown: no attempt used, place in the queue kept. */
  release(owner: string, now: number, jobIds?: readonly number[]): number;
  /** Puts a dead job back in the queue with fresh attempts. False when it is not dead. */
  requeueDead(jobId: number, now?: number): boolean;
  listDead(options?: { limit?: number; offset?: number }): DeadJob[];
  counts(): Record<JobState, number>;
  get(jobId: number): Job | undefined;
}

interface JobRow {
  id: number;
  frame_id: string;
  kind: 'detect';
  state: JobState;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  next_run_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

interface LeasedRow extends JobRow {
  blob_key: string;
  width: number;
  height: number;
  site: string;
  camera: string;
  captured_at: string;
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    frameId: r.frame_id,
    kind: r.kind,
    state: r.state,
    attempts: r.attempts,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    nextRunAt: r.next_run_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const cloudDetectionSchema = detectionSchema.extend({
  kept: z.boolean().optional(),
  dropReason: z.string().max(64).optional(),
});
const cloudResultSchema = z.object({
  modelId: z.string().min(1).max(128),
  detections: z.array(cloudDetectionSchema).max(10_000),
});

function checkArgs(owner: string, numbers: Record<string, number>): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 200)
    throw new RangeError('lease owner must be a non-empty string of at most 200 characters');
  for (const [name, v] of Object.entries(numbers))
    if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number (got ${v})`);
}

const clip = (s: string): string =>
  s.length > MAX_ERROR_LENGTH ? `${s.slice(0, MAX_ERROR_LENGTH - 1)}…` : s;

export function createJobQueue(
  db: Database.Database,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): JobQueue {
  const bad = retryPolicyProblem(policy);
  if (bad) throw new RangeError(`retry policy: ${bad}`);

  const getJob = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const expired = db.prepare<
    [number, number],
    { id: number; attempts: number; lease_owner: string; frame_id: string }
  >(`SELECT id, attempts, lease_owner, frame_id FROM jobs INDEXED BY jobs_lease_expiry
     WHERE state = 'leased' AND lease_expires_at <= ? ORDER BY lease_expires_at, id LIMIT ?`);
  const due = db
    .prepare<[number, number], number>(
      `SELECT id FROM jobs INDEXED BY jobs_due
       WHERE state IN ('queued', 'failed') AND next_run_at <= ?
       ORDER BY next_run_at, id LIMIT ?`,
    )
    .pluck();
  const take = db.prepare(`UPDATE jobs SET state = 'leased', lease_owner = ?, lease_expires_at = ?,
       attempts = attempts + 1, updated_at = ? WHERE id = ?`);
  const leasedView = db.prepare<
    [number],
    LeasedRow
  >(`SELECT j.*, f.blob_key, f.width, f.height, f.site, f.camera, f.captured_at
     FROM jobs j JOIN frames f ON f.frame_id = j.frame_id WHERE j.id = ?`);
  const kill =
    db.prepare(`UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL,
       last_error = ?, updated_at = ? WHERE id = ?`);
  const frameState = db.prepare('UPDATE frames SET state = ? WHERE frame_id = ?');
  const extendLease = db.prepare(`UPDATE jobs SET lease_expires_at = ?, updated_at = ?
     WHERE id = ? AND state = 'leased' AND lease_owner = ?`);
  const finish =
    db.prepare(`UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL,
       done_at = ?, updated_at = ?, compute_ms = ? WHERE id = ?`);
  const dropCloud = db.prepare("DELETE FROM detections WHERE frame_id = ? AND source = 'cloud'");
  const detectedBy = db.prepare('UPDATE frames SET cloud_model_id = ? WHERE frame_id = ?');
  const insertCloud =
    db.prepare(`INSERT INTO detections (frame_id, source, model_id, label, score, x1, y1, x2, y2, kept, drop_reason)
     VALUES (?, 'cloud', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const retry =
    db.prepare(`UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL,
       next_run_at = ?, last_error = ?, updated_at = ? WHERE id = ?`);
  const releaseOne =
    db.prepare(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
       attempts = max(attempts - 1, 0), updated_at = ?
     WHERE id = ? AND state = 'leased' AND lease_owner = ?`);
  const ownedBy = db
    .prepare<[string], number>(
      "SELECT id FROM jobs INDEXED BY jobs_lease_expiry WHERE state = 'leased' AND lease_owner = ?",
    )
    .pluck();
  const revive =
    db.prepare(`UPDATE jobs SET state = 'queued', attempts = 0, next_run_at = ?, updated_at = ?
     WHERE id = ? AND state = 'dead'`);
  const deadList = db.prepare<
    [number, number],
    DeadJob
  >(`SELECT j.id, j.frame_id AS frameId, f.site, f.camera, j.attempts, j.last_error AS lastError,
       j.updated_at AS diedAt
     FROM jobs j INDEXED BY jobs_dead JOIN frames f ON f.frame_id = j.frame_id
     WHERE j.state = 'dead' ORDER BY j.updated_at DESC, j.id DESC LIMIT ? OFFSET ?`);
  const stateCounts = db.prepare<[], { state: JobState; n: number }>(
    'SELECT state, count(*) AS n FROM jobs GROUP BY state',
  );

  /** Why `owner` may not act on the job, or the job when it may. */
  const owned = (jobId: number, owner: string): JobRow | Refused => {
    const row = getJob.get(jobId);
    if (!row) return { ok: false, reason: 'unknown-job', message: `no job ${jobId}` };
    if (row.state !== 'leased')
      return {
        ok: false,
        reason: 'not-leased',
        message: `job ${jobId} is ${row.state}, not leased`,
      };
    if (row.lease_owner !== owner)
      return {
        ok: false,
        reason: 'stale-owner',
        message: `job ${jobId} is leased by ${row.lease_owner}, not ${owner} (its lease was lost)`,
      };
    return row;
  };

  const leaseTx = db.transaction((owner: string, n: number, leaseMs: number, now: number) => {
    const ids: number[] = [];
    // Expired leases first: their worker died or hung. One whose attempts are used up is the
    // likely cause (a frame that kills workers), so it is dead-lettered instead of re-leased.
    for (const e of expired.all(now, n)) {
      if (e.attempts >= policy.maxAttempts) {
        kill.run(
          clip(
            `lease held by ${e.lease_owner} expired on attempt ${e.attempts} of ${policy.maxAttempts}`,
          ),
          now,
          e.id,
        );
        frameState.run('dead', e.frame_id);
      } else ids.push(e.id);
    }
    if (ids.length < n) ids.push(...due.all(now, n - ids.length));
    const out: LeasedJob[] = [];
    for (const id of ids) {
      take.run(owner, now + leaseMs, now, id);
      const r = leasedView.get(id);
      if (r)
        out.push({
          ...toJob(r),
          blobKey: r.blob_key,
          width: r.width,
          height: r.height,
          site: r.site,
          camera: r.camera,
          capturedAt: r.captured_at,
        });
    }
    return out;
  });

  const completeTx = db.transaction(
    (
      jobId: number,
      owner: string,
      cloud: CloudResult,
      computeMs: number,
      now: number,
    ): CompleteResult => {
      const row = owned(jobId, owner);
      if ('ok' in row) return row;
      finish.run(now, now, computeMs, jobId);
      // A requeued job may have stored boxes before; exactly one set per frame survives.
      dropCloud.run(row.frame_id);
      for (const d of cloud.detections)
        insertCloud.run(
          row.frame_id,
          cloud.modelId,
          d.label,
          d.score,
          ...d.box,
          d.kept === undefined ? null : d.kept ? 1 : 0,
          d.dropReason ?? null,
        );
      detectedBy.run(cloud.modelId, row.frame_id);
      frameState.run('detected', row.frame_id);
      return { ok: true };
    },
  );

  const failTx = db.transaction(
    (jobId: number, owner: string, error: string, now: number): FailResult => {
      const row = owned(jobId, owner);
      if ('ok' in row) return row;
      const next = afterFailure(row.attempts, now, policy);
      if (next.state === 'dead') {
        kill.run(clip(error), now, jobId);
        frameState.run('dead', row.frame_id);
        return { ok: true, state: 'dead' };
      }
      retry.run(next.nextRunAt, clip(error), now, jobId);
      return { ok: true, state: 'failed', nextRunAt: next.nextRunAt };
    },
  );

  const releaseTx = db.transaction((owner: string, now: number, jobIds?: readonly number[]) => {
    let n = 0;
    for (const id of jobIds ?? ownedBy.all(owner)) n += releaseOne.run(now, id, owner).changes;
    return n;
  });

  const reviveTx = db.transaction((jobId: number, now: number) => {
    const row = getJob.get(jobId);
    if (!row || revive.run(now, now, jobId).changes === 0) return false;
    frameState.run('pending', row.frame_id);
    return true;
  });

  return {
    lease(owner, n, leaseMs, now) {
      checkArgs(owner, { n, leaseMs, now });
      if (!Number.isInteger(n) || n < 0)
        throw new RangeError(`n must be a whole number ≥ 0 (got ${n})`);
      if (leaseMs <= 0) throw new RangeError(`leaseMs must be > 0 (got ${leaseMs})`);
      return n === 0 ? [] : leaseTx.immediate(owner, n, leaseMs, now);
    },
    extend(jobId, owner, leaseMs, now) {
      checkArgs(owner, { jobId, leaseMs, now });
      return extendLease.run(now + leaseMs, now, jobId, owner).changes === 1;
    },
    complete(jobId, owner, cloud, computeMs, now = Date.now()) {
      checkArgs(owner, { jobId, computeMs, now });
      const parsed = cloudResultSchema.safeParse(cloud);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          reason: 'invalid',
          message: `job ${jobId}: cloud result rejected: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
        };
      }
      return completeTx.immediate(jobId, owner, parsed.data, computeMs, now);
    },
    fail(jobId, owner, error, now) {
      checkArgs(owner, { jobId, now });
      return failTx.immediate(jobId, owner, String(error), now);
    },
    release(owner, now, jobIds) {
      checkArgs(owner, { now });
      return releaseTx.immediate(owner, now, jobIds);
    },
    requeueDead(jobId, now = Date.now()) {
      return reviveTx.immediate(jobId, now);
    },
    listDead({ limit = 100, offset = 0 } = {}) {
      return deadList.all(Math.max(0, Math.min(limit, 10_000)), Math.max(0, offset));
    },
    counts() {
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const r of stateCounts.all()) out[r.state] = r.n;
      return out;
    },
    get(jobId) {
      const r = getJob.get(jobId);
      return r ? toJob(r) : undefined;
    },
  };
}
