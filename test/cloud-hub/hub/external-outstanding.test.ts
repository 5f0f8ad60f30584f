// hub.yaml's mqtt.external.max_outstanding_jobs bounds the detection jobs the hub has published
// to external workers and not seen answered. A real Mosquitto; a real subscriber on the jobs
// topic stands in for a worker that takes jobs and answers only when the test says so.
import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { jobTopics, parseJobMessage } from '../../../cloud-hub/src/workers/job-messages.ts';
import type { JobMessage } from '../../../cloud-hub/src/workers/job-messages.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { MosquittoStart } from '../../helpers/mosquitto.ts';
import { eventually, framePayload, hubDir } from './helpers.ts';
import type { HubDir } from './helpers.ts';

const SITE = 'cork-1';
const DEVICE = 'xavier-8';
const CAMERA = 'yard';
const FRAMES = 10;
const LIMIT = 3;
const scheme = topicScheme('pretag/v1');
const topics = jobTopics('pretag/v1');
const m: MosquittoStart = await startMosquitto();

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub.yaml mqtt.external.max_outstanding_jobs', () => {
  it('refuses a limit below 1 with the key and the allowed range', async () => {
    const h = await hubDir();
    try {
      writeFileSync(
        h.configFile,
        'mqtt: { external: { url: "mqtt://127.0.0.1:1", max_outstanding_jobs: 0 } }\n',
      );
      await expect(startHub({ configFile: h.configFile, print: () => undefined })).rejects.toThrow(
        /mqtt\.external\.max_outstanding_jobs.*between 1 and 100000/s,
      );
    } finally {
      h.remove();
    }
  });
});

describe.skipIf(!m.ok)('hub dispatching to external workers with a job limit', () => {
  let h: HubDir | undefined;
  let hub: RunningHub | undefined;
  let worker: MqttClient | undefined;
  let dev: MqttClient | undefined;

  afterAll(async () => {
    await dev?.endAsync(true).catch(() => undefined);
    await worker?.endAsync(true).catch(() => undefined);
    await hub?.close().catch(() => undefined);
    h?.remove();
    if (m.ok) await m.mosquitto.dispose();
  });

  it('never has more than the configured number of jobs unanswered', async () => {
    if (!m.ok) return;
    const url = m.mosquitto.url;
    h = await hubDir();
    writeFileSync(
      h.configFile,
      [
        `listen: { host: 127.0.0.1, port: ${h.apiPort} }`,
        `mqtt: { external: { url: "${url}", max_outstanding_jobs: ${LIMIT} } }`,
        'storage: { dir: ./data }',
        '',
      ].join('\n'),
    );
    // The "worker": receives every job published, answers only when told to.
    const got: JobMessage[] = [];
    worker = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    worker.on('message', (_t, payload) => {
      const j = parseJobMessage(payload);
      if (j.ok) got.push(j.value);
    });
    await worker.subscribeAsync(topics.shared('pretag-detectors'), { qos: 1 });

    hub = await startHub({
      configFile: h.configFile,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
    });
    const running = hub;
    dev = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    for (let i = 0; i < FRAMES; i++) {
      const f = framePayload({
        site: SITE,
        device: DEVICE,
        camera: CAMERA,
        frameId: `lim-${i}`,
        jpeg: Buffer.from(`frame ${i}`),
        width: 640,
        height: 480,
      });
      await dev.publishAsync(scheme.frame(SITE, DEVICE, CAMERA), JSON.stringify(f), { qos: 1 });
    }
    await eventually('every frame queued for detection', () =>
      running.ingest().frames.inserted === FRAMES ? true : undefined,
    );
    await eventually('the first jobs published', () => (got.length >= LIMIT ? true : undefined));
    // Many dispatcher polls (every 100 ms) with 10 jobs waiting: still only LIMIT published.
    await settle(1_500);
    expect(got.map((j) => j.frameId).sort()).toHaveLength(LIMIT);
    expect(new Set(got.map((j) => j.jobId)).size).toBe(LIMIT);

    // Two answers make room for exactly two more.
    for (const j of got.slice(0, 2)) {
      const result = {
        v: 1,
        jobId: j.jobId,
        attempt: j.attempt,
        frameId: j.frameId,
        worker: 'test-worker',
        ok: true,
        modelId: 'test-model',
        detections: [],
        computeMs: 1,
      };
      await worker.publishAsync(topics.results, JSON.stringify(result), { qos: 1 });
    }
    await eventually('two more jobs published', () => (got.length >= LIMIT + 2 ? true : undefined));
    await settle(1_500);
    expect(got).toHaveLength(LIMIT + 2);
    expect(new Set(got.map((j) => j.frameId)).size).toBe(LIMIT + 2);
  }, 120_000);
});
