// The scale-out shape: hub.yaml names an external broker (a real Mosquitto), so the hub runs no
// in-process detector and hands jobs to an external worker through an MQTT 5 shared
// subscription; the frame still ends up detected in the hub's ledger.
import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Detector } from '@pretag/shared/detector/types';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { openCloudDetector } from '../../../cloud-hub/src/hub/detector.ts';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { rulesForConfig } from '../../../cloud-hub/src/workers/rules-for.ts';
import { startMqttWorker } from '../../../cloud-hub/src/workers/mqtt-worker.ts';
import type { RunningMqttWorker } from '../../../cloud-hub/src/workers/mqtt-worker.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { MosquittoStart } from '../../helpers/mosquitto.ts';
import { eventually, framePayload, publishOnline, hubDir } from './helpers.ts';
import type { HubDir } from './helpers.ts';

const SITE = 'cork-1';
const DEVICE = 'xavier-2';
const CAMERA = 'gate';
const m: MosquittoStart = await startMosquitto();

describe.skipIf(!m.ok)('hub with an external broker and an external worker', () => {
  let h: HubDir;
  let hub: RunningHub;
  let worker: RunningMqttWorker;
  let detector: Detector | undefined;
  const printed: string[] = [];

  beforeAll(async () => {
    if (!m.ok) return;
    h = await hubDir();
    writeFileSync(
      h.configFile,
      [
        `listen: { host: 127.0.0.1, port: ${h.apiPort} }`,
        `mqtt: { external: { url: "${m.mosquitto.url}" } }`,
        'storage: { dir: ./data }',
        '',
      ].join('\n'),
    );
    hub = await startHub({
      configFile: h.configFile,
      logger: pino({ level: 'silent' }),
      print: (l) => printed.push(l),
    });
    const config = hub.config();
    detector = await openCloudDetector(config.detector, hub.paths.configDir);
    worker = await startMqttWorker({
      url: m.mosquitto.url,
      prefix: config.mqtt.prefix,
      group: config.mqtt.external?.share_group ?? 'pretag-detectors',
      blobs: hub.blobs,
      detector,
      rulesFor: rulesForConfig(config),
    });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await detector?.close();
    await hub?.close();
    h?.remove();
    if (m.ok) await m.mosquitto.dispose();
  });

  it('says detection is external, and an ingested frame is detected by the external worker', async () => {
    expect(printed.find((l) => l.startsWith('MQTT'))).toContain(
      `external broker ${m.ok ? m.mosquitto.url : ''}`,
    );
    expect(printed.find((l) => l.startsWith('detection'))).toContain('external workers');
    const scheme = topicScheme('pretag/v1');
    const jpeg = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 30, g: 30, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const f = framePayload({
      site: SITE,
      device: DEVICE,
      camera: CAMERA,
      frameId: 'ext-0001',
      jpeg,
      width: 320,
      height: 240,
    });
    await hub.blobs.put(f.blobKey, jpeg, { contentType: 'image/jpeg' });
    const dev = await mqtt.connectAsync(m.ok ? m.mosquitto.url : '', { reconnectPeriod: 0 });
    try {
      await publishOnline(dev, scheme, { site: SITE, device: DEVICE, camera: CAMERA });
      await dev.publishAsync(scheme.frame(SITE, DEVICE, CAMERA), JSON.stringify(f), { qos: 1 });
    } finally {
      await dev.endAsync();
    }
    const frame = await eventually('the frame detected by the external worker', () => {
      const r = hub.ledger.frames.getFrame('ext-0001');
      return r?.state === 'detected' ? r : undefined;
    });
    expect(frame.device).toBe(DEVICE);
  }, 120_000);
});
