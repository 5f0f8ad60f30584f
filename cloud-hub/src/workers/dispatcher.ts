// Hub side of external detection: leases jobs from the ledger in its own name, publishes them to
// `{prefix}/jobs/detect` (QoS 1) for workers sharing `$share/{group}/…`, and applies the results
// they post to `{prefix}/jobs/results`. A job whose result does not come back before its lease
// runs out (a worker killed with messages queued for it) is leased again and re-published; the
// ledger dead-letters it after its last attempt.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from '@pretag/shared/log/logger';
import type { Ledger } from '../ledger/index.ts';
import { applyResult } from './apply-result.ts';
import { JOB_MESSAGE_VERSION, jobTopics, parseResultMessage } from './job-messages.ts';
import type { JobMessage } from './job-messages.ts';

export interface DispatcherOptions {
  ledger: Ledger;
  /** A connected MQTT 5 client (the hub's own). */
  client: MqttClient;
  prefix: string;
  /** How long a published job may go without a result before it is published again. */
  leaseMs?: number;
  /** Jobs published and not yet answered, at most. */
  maxOutstanding?: number;
  pollMs?: number;
  owner?: string;
  logger?: Pick<Logger, 'warn' | 'info'>;
  now?: () => number;
}

export interface DispatcherStats {
  published: number;
  /** Publications of a job that had been published before (its lease ran out). */
  republished: number;
  completed: number;
  failed: number;
  dead: number;
  ignored: Record<string, number>;
  badResults: number;
}

export interface RunningDispatcher {
  readonly owner: string;
  stats(): DispatcherStats;
  /** Leases and publishes now, without waiting for the next poll. */
  poll(): Promise<void>;
  close(): Promise<void>;
}

export async function startDispatcher(o: DispatcherOptions): Promise<RunningDispatcher> {
  const owner =
    o.owner ?? `dispatch:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxOutstanding = o.maxOutstanding ?? 64;
  const now = o.now ?? Date.now;
  const topics = jobTopics(o.prefix);
  const stats: DispatcherStats = {
    published: 0,
    republished: 0,
    completed: 0,
    failed: 0,
    dead: 0,
    ignored: {},
    badResults: 0,
  };
  const outstanding = o.ledger.statement<[string, number], number>(
    "SELECT count(*) FROM jobs WHERE state = 'leased' AND lease_owner = ? AND lease_expires_at > ?",
  );
  outstanding.pluck();

  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic !== topics.results) return;
    try {
      const parsed = parseResultMessage(payload);
      if (!parsed.ok) {
        stats.badResults++;
        o.logger?.warn({ reason: parsed.reason }, 'bad detection result');
        return;
      }
      const r = applyResult(o.ledger.jobs, parsed.value, now());
      if (r.applied === false) stats.ignored[r.reason] = (stats.ignored[r.reason] ?? 0) + 1;
      else stats[r.applied]++;
    } catch (err) {
      stats.badResults++;
      o.logger?.warn({ err: (err as Error).message }, 'applying a detection result failed');
    }
  };
  o.client.on('message', onMessage);
  await o.client.subscribeAsync(topics.results, { qos: 1 });

  let polling: Promise<void> | undefined;
  const pollOnce = async (): Promise<void> => {
    const t = now();
    const room = maxOutstanding - (outstanding.get(owner, t) ?? 0);
    if (room <= 0) return;
    const jobs = o.ledger.jobs.lease(owner, room, leaseMs, t);
    for (const j of jobs) {
      const msg: JobMessage = {
        v: JOB_MESSAGE_VERSION,
        jobId: j.id,
        attempt: j.attempts,
        frameId: j.frameId,
        blobKey: j.blobKey,
        width: j.width,
        height: j.height,
        site: j.site,
        camera: j.camera,
        capturedAt: j.capturedAt,
      };
      await o.client.publishAsync(topics.detect, JSON.stringify(msg), { qos: 1 });
      stats.published++;
      if (j.attempts > 1) stats.republished++;
    }
  };
  const poll = (): Promise<void> => {
    polling ??= pollOnce()
      .catch((err: unknown) => o.logger?.warn({ err: (err as Error).message }, 'dispatch failed'))
      .finally(() => (polling = undefined));
    return polling;
  };
  const timer = setInterval(() => void poll(), o.pollMs ?? 100);
  await poll();

  return {
    owner,
    stats: () => ({ ...stats, ignored: { ...stats.ignored } }),
    poll,
    async close() {
      clearInterval(timer);
      await polling;
      o.client.removeListener('message', onMessage);
      await o.client.unsubscribeAsync(topics.results).catch(() => undefined);
      // Published jobs stay leased: results still in flight can complete them, and if none
      // arrive the next dispatcher re-publishes them when the leases run out.
    },
  };
}
