// Applying a worker's result to the ledger, idempotently. The decision is a pure function of
// the job as stored and the message; applying it is one ledger call.
//
// - a job already done (or dead) ignores the result: the first result wins, once;
// - a successful result completes a leased job whoever dispatched it (after a hub restart the
//   lease belongs to the previous incarnation, and the work is still the same frame's);
// - a failure counts only for the attempt it reports, so a stale failure cannot cut short a
//   retry that is running now.
import type { Job, JobQueue } from '../ledger/index.ts';
import type { ResultMessage } from './job-messages.ts';

export type ResultDecision =
  | { action: 'complete'; owner: string }
  | { action: 'fail'; owner: string }
  | {
      action: 'ignore';
      reason:
        'unknown-job' | 'already-done' | 'dead' | 'not-leased' | 'stale-attempt' | 'wrong-frame';
    };

export function decideResult(job: Job | undefined, msg: ResultMessage): ResultDecision {
  if (!job) return { action: 'ignore', reason: 'unknown-job' };
  if (job.frameId !== msg.frameId) return { action: 'ignore', reason: 'wrong-frame' };
  if (job.state === 'done') return { action: 'ignore', reason: 'already-done' };
  if (job.state === 'dead') return { action: 'ignore', reason: 'dead' };
  if (job.state !== 'leased' || job.leaseOwner === null)
    return { action: 'ignore', reason: 'not-leased' };
  if (msg.ok) return { action: 'complete', owner: job.leaseOwner };
  if (msg.attempt !== job.attempts) return { action: 'ignore', reason: 'stale-attempt' };
  return { action: 'fail', owner: job.leaseOwner };
}

export type ApplyOutcome =
  { applied: 'completed' | 'failed' | 'dead' } | { applied: false; reason: string };

export function applyResult(jobs: JobQueue, msg: ResultMessage, now: number): ApplyOutcome {
  const d = decideResult(jobs.get(msg.jobId), msg);
  if (d.action === 'ignore') return { applied: false, reason: d.reason };
  if (d.action === 'complete' && msg.ok) {
    const r = jobs.complete(
      msg.jobId,
      d.owner,
      { modelId: msg.modelId, detections: msg.detections },
      msg.computeMs,
      now,
    );
    return r.ok ? { applied: 'completed' } : { applied: false, reason: r.reason };
  }
  const r = jobs.fail(msg.jobId, d.owner, msg.ok ? 'invalid result' : msg.error, now);
  if (!r.ok) return { applied: false, reason: r.reason };
  return { applied: r.state === 'dead' ? 'dead' : 'failed' };
}
