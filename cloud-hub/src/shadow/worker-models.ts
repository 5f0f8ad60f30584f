// Production in the scale-out shape: external workers detect, so a promotion reaches them as a
// retained control message on `{prefix}/control/detector` (revision = the promotion's id). At
// start the hub publishes the last promotion again (or clears the topic when there is none, or
// when its block no longer checks out), so workers that start later, and a broker that lost its
// retained store, agree with the ledger; hub.yaml's detector is the fallback, as in-process.
// Workers answer on `{prefix}/workers/{name}/model`; the hub keeps the latest answer of each and
// logs every worker that could not open a promoted model.
import type { MqttClient } from 'mqtt';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { CONTROL_VERSION, decodeWorkerModel } from '@pretag/shared/mqtt/control';
import type { DetectorControl, WorkerModel } from '@pretag/shared/mqtt/control';
import { controlTopics } from '@pretag/shared/mqtt/topics';
import type { Logger } from '@pretag/shared/log/logger';
import type { Ledger } from '../ledger/open.ts';
import { listPromotions, modelIdOf, promotedDetector } from './models.ts';
import type { Production, Promotion } from './models.ts';

export interface WorkerModels {
  readonly production: Production;
  /** The latest answer of each live worker, by worker name. */
  workers(): WorkerModel[];
  close(): Promise<void>;
}

/** How long a promotion waits for the broker's PUBACK before answering (the message stays queued). */
const PUBLISH_WAIT_MS = 5_000;

export function controlMessage(p: Promotion, block: Record<string, unknown>): DetectorControl {
  return {
    v: CONTROL_VERSION,
    revision: p.id,
    model: p.to,
    detector: block,
    issuedAt: new Date(p.at).toISOString(),
  };
}

export async function startWorkerModels(o: {
  ledger: Ledger;
  /** The hub's MQTT 5 client that also publishes detect jobs (one connection keeps them in order). */
  client: MqttClient;
  prefix: string;
  fromConfig: HubConfig['detector'];
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}): Promise<WorkerModels> {
  const topics = controlTopics(o.prefix);
  const fallback = { model: modelIdOf(o.fromConfig), adapter: o.fromConfig.adapter };
  let current = fallback;
  const answers = new Map<string, WorkerModel>();

  const publish = async (payload: string, what: string): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), PUBLISH_WAIT_MS);
    });
    // A refusal (ACL) is logged, never thrown: the promotion is stored either way and goes out
    // again at the next start.
    const sent = o.client.publishAsync(topics.detector, payload, { qos: 1, retain: true }).then(
      () => 'sent' as const,
      (err: unknown) => {
        o.logger.error({ topic: topics.detector, err: (err as Error).message }, `${what}: failed`);
        return 'failed' as const;
      },
    );
    try {
      if ((await Promise.race([sent, late])) === 'late')
        o.logger.warn(
          { topic: topics.detector },
          `${what}: the broker has not acknowledged it yet; it goes out when the connection is back`,
        );
    } finally {
      clearTimeout(timer);
    }
  };

  const last = listPromotions(o.ledger, 1)[0];
  const block =
    last && typeof last.detector === 'object' && last.detector !== null
      ? (last.detector as Record<string, unknown>)
      : undefined;
  const check = block && promotedDetector(block, o.fromConfig);
  if (last && block && check?.ok) {
    current = { model: last.to, adapter: check.detector.adapter };
    await publish(JSON.stringify(controlMessage(last, block)), 'production detector re-published');
    o.logger.info(
      { revision: last.id, model: last.to, topic: topics.detector },
      'promoted model published to the detection workers (retained)',
    );
  } else {
    if (check && !check.ok)
      o.logger.error(
        { problem: check.problem },
        "the promoted model's stored settings no longer check out; workers run hub.yaml's detector",
      );
    // An empty retained message deletes the retained one: workers run hub.yaml's detector.
    await publish('', 'production detector cleared');
  }

  const onMessage = (topic: string, payload: Buffer): void => {
    if (!topic.startsWith(`${o.prefix}/workers/`) || !topic.endsWith('/model')) return;
    if (payload.byteLength === 0) {
      answers.delete(topic);
      return;
    }
    const r = decodeWorkerModel(payload);
    if (!r.ok) {
      o.logger.warn({ topic, reason: r.reason }, 'bad worker model status ignored');
      return;
    }
    const before = answers.get(topic);
    answers.set(topic, r.value);
    const f = r.value.failed;
    if (f && f.revision !== before?.failed?.revision)
      o.logger.error(
        { worker: r.value.worker, revision: f.revision, model: f.model, err: f.error },
        `worker ${r.value.worker} could not open the promoted model ${f.model}; it keeps detecting with ${r.value.model}`,
      );
  };
  o.client.on('message', onMessage);
  await o.client.subscribeAsync(topics.workerModels, { qos: 1 });

  return {
    production: {
      info: () => current,
      async promote(candidate, promotion) {
        current = { model: candidate.info.modelId, adapter: candidate.info.adapter };
        const b = promotion.detector as Record<string, unknown>;
        await publish(JSON.stringify(controlMessage(promotion, b)), 'promotion published');
        o.logger.info(
          { revision: promotion.id, model: promotion.to, topic: topics.detector },
          'promotion published to the detection workers (retained)',
        );
      },
    },
    workers: () => [...answers.values()].sort((a, b) => (a.worker < b.worker ? -1 : 1)),
    async close() {
      o.client.removeListener('message', onMessage);
      await o.client.unsubscribeAsync(topics.workerModels).catch(() => undefined);
    },
  };
}
