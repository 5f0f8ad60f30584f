// An external detection worker: joins the MQTT 5 shared subscription
// `$share/{group}/{prefix}/jobs/detect`, detects each job with bounded concurrency and posts the
// outcome to `{prefix}/jobs/results` (QoS 1). Stateless: the hub's ledger decides what counts.
// With `models`, it first subscribes to the hub's retained production control, so a promotion
// made before it started arrives before its first job (detector-control.ts), and answers on
// `{prefix}/workers/{name}/model` (retained; its last will clears it).
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '@pretag/shared/log/logger';
import type { WorkerModel } from '@pretag/shared/mqtt/control';
import { controlTopics } from '@pretag/shared/mqtt/topics';
import { createSwitchableDetector } from '../shadow/switchable.ts';
import { detectTask } from './detect-job.ts';
import type { DetectDeps } from './detect-job.ts';
import { createDetectorControl } from './detector-control.ts';
import type { DetectorControlOptions } from './detector-control.ts';
import { JOB_MESSAGE_VERSION, jobTopics, parseJobMessage } from './job-messages.ts';
import type { JobMessage, ResultMessage } from './job-messages.ts';
import { workerOwner } from './worker-loop.ts';

export interface MqttWorkerOptions extends DetectDeps {
  url: string;
  prefix: string;
  group?: string;
  concurrency?: number;
  clientOptions?: IClientOptions;
  name?: string;
  logger?: Pick<Logger, 'warn' | 'info' | 'error'>;
  /**
   * Follow the hub's production control: how to open a promoted block (undefined: hub.yaml's
   * detector) and to close a model out of production (the initial `detector` included).
   */
  models?: Pick<DetectorControlOptions, 'open' | 'retire'>;
  /** Called for each valid job received (tests and progress output). */
  onReceive?(job: JobMessage): void;
  /** Called after each result is published (tests and progress output). */
  onResult?(msg: ResultMessage): void;
}

export interface RunningMqttWorker {
  readonly name: string;
  readonly client: MqttClient;
  stats(): { received: number; detected: number; failed: number; badJobs: number };
  /** This worker's answer to the production control (revision 0: hub.yaml's detector). */
  model(): WorkerModel | undefined;
  /** Resolves when no model switch is running. */
  modelSettled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMqttWorker(o: MqttWorkerOptions): Promise<RunningMqttWorker> {
  const name = o.name ?? workerOwner();
  const topics = jobTopics(o.prefix);
  const concurrency = o.concurrency ?? 1;
  const stats = { received: 0, detected: 0, failed: 0, badJobs: 0 };
  const queue: JobMessage[] = [];
  const running = new Set<Promise<void>>();
  let stopping = false;
  let held = false;
  const control = controlTopics(o.prefix);
  const statusTopic = control.workerModel(name);
  const detector = o.models ? createSwitchableDetector(o.detector) : undefined;
  const deps: DetectDeps = { ...o, ...(detector && { detector }) };

  const client = await mqtt.connectAsync(o.url, {
    protocolVersion: 5,
    clientId: `pretag-worker-${name}`.slice(0, 200),
    clean: true,
    reconnectPeriod: 1_000,
    ...(o.models && {
      // A worker that vanishes takes its answer with it (an empty retained message deletes it).
      will: { topic: statusTopic, payload: Buffer.alloc(0), qos: 1, retain: true },
    }),
    ...o.clientOptions,
  });
  const report = (status: WorkerModel): void => {
    client
      .publishAsync(statusTopic, JSON.stringify(status), { qos: 1, retain: true })
      .catch((err: unknown) =>
        o.logger?.warn({ err: (err as Error).message }, 'model status not published'),
      );
  };

  const work = async (job: JobMessage): Promise<void> => {
    const out = await detectTask(job, deps);
    const base = {
      v: JOB_MESSAGE_VERSION,
      jobId: job.jobId,
      attempt: job.attempt,
      frameId: job.frameId,
      worker: name,
    } as const;
    const msg: ResultMessage = out.ok
      ? {
          ...base,
          ok: true,
          modelId: out.result.modelId,
          detections: [...out.result.detections],
          computeMs: out.computeMs,
        }
      : { ...base, ok: false, error: out.error };
    if (out.ok) stats.detected++;
    else stats.failed++;
    await client.publishAsync(topics.results, JSON.stringify(msg), { qos: 1 });
    o.onResult?.(msg);
  };
  const pump = (): void => {
    while (!stopping && !held && running.size < concurrency && queue.length) {
      const job = queue.shift() as JobMessage;
      const p: Promise<void> = work(job)
        .catch((err: unknown) =>
          o.logger?.warn({ err: (err as Error).message, jobId: job.jobId }, 'result not posted'),
        )
        .finally(() => {
          running.delete(p);
          pump();
        });
      running.add(p);
    }
  };
  const models =
    o.models && detector
      ? createDetectorControl({
          detector,
          worker: name,
          open: o.models.open,
          retire: o.models.retire,
          report,
          hold(on) {
            held = on;
            if (!on) pump();
          },
          ...(o.logger && { logger: o.logger }),
        })
      : undefined;
  client.on('message', (topic, payload) => {
    if (topic === control.detector) {
      models?.handle(payload);
      return;
    }
    stats.received++;
    const parsed = parseJobMessage(payload);
    if (!parsed.ok) {
      stats.badJobs++;
      o.logger?.warn({ topic, reason: parsed.reason }, 'bad job message');
      return;
    }
    o.onReceive?.(parsed.value);
    queue.push(parsed.value);
    pump();
  });
  if (models) {
    // Before the jobs: the broker sends the retained control ahead of any job.
    await client.subscribeAsync(control.detector, { qos: 1 });
    report(models.status());
    // After a lost connection the last will has cleared the answer: give it again.
    const m = models;
    client.on('connect', () => report(m.status()));
  }
  // Same default as hub.yaml's mqtt.external.share_group, so hub and workers meet unconfigured.
  const group = o.group ?? 'pretag-detectors';
  await client.subscribeAsync(topics.shared(group), { qos: 1 });
  o.logger?.info({ name, topic: topics.shared(group) }, 'detection worker ready');

  return {
    name,
    client,
    stats: () => ({ ...stats }),
    model: () => models?.status(),
    modelSettled: () => models?.settled() ?? Promise.resolve(),
    async stop() {
      stopping = true;
      await client.unsubscribeAsync(topics.shared(group)).catch(() => undefined);
      await Promise.all(running);
      // Jobs still queued here are never answered; the hub re-publishes them when their leases end.
      queue.length = 0;
      if (models) {
        await models.stop();
        await client.publishAsync(statusTopic, '', { qos: 1, retain: true }).catch(() => undefined);
      }
      await client.endAsync();
    },
  };
}
