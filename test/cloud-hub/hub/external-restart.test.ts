// A hub on an external broker (a real Mosquitto with the deployment's queue settings) keeps a
// persistent ingest session: frames a device publishes while the hub is stopped wait at the
// broker and reach the next hub on the same ledger, each exactly once. Expectations come from
// what the test published.
import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { MosquittoStart } from '../../helpers/mosquitto.ts';
import { eventually, framePayload, hubDir } from './helpers.ts';
import type { HubDir } from './helpers.ts';

const SITE = 'cork-1';
const DEVICE = 'xavier-7';
const CAMERA = 'dock';
const BEFORE = 20; // published while the first hub runs
const WHILE_DOWN = 400; // published while no hub runs: more than Mosquitto's default queue cap
const scheme = topicScheme('pretag/v1');
// deploy/mosquitto/mosquitto.conf's queue settings, with no message cap at all.
const m: MosquittoStart = await startMosquitto({
  config: ['max_queued_messages 0', 'max_queued_bytes 1073741824', 'queue_qos0_messages false'],
});

const frameId = (i: number): string => `down-${String(i).padStart(4, '0')}`;
const payload = (i: number): string =>
  JSON.stringify(
    framePayload({
      site: SITE,
      device: DEVICE,
      camera: CAMERA,
      frameId: frameId(i),
      jpeg: Buffer.from(`jpeg bytes of frame ${i}`),
      width: 640,
      height: 480,
      capturedAt: new Date(Date.parse('2026-11-27T08:00:00Z') + i * 1000).toISOString(),
    }),
  );

async function publish(url: string, from: number, to: number): Promise<void> {
  const dev = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
  try {
    await Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        dev.publishAsync(scheme.frame(SITE, DEVICE, CAMERA), payload(from + k), { qos: 1 }),
      ),
    );
  } finally {
    await dev.endAsync();
  }
}

describe.skipIf(!m.ok)('hub on an external broker, stopped while a device publishes', () => {
  let h: HubDir | undefined;
  let hub: RunningHub | undefined;

  afterAll(async () => {
    await hub?.close().catch(() => undefined);
    h?.remove();
    if (m.ok) await m.mosquitto.dispose();
  });

  const start = (): Promise<RunningHub> =>
    startHub({
      configFile: h?.configFile ?? '',
      logger: pino({ level: 'silent' }),
      print: () => undefined,
      // Ingest only: no dispatcher, so nothing but the session is under test.
      workers: false,
    });

  it('ingests every frame published while it was down exactly once after it restarts', async () => {
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
    hub = await start();
    await publish(m.mosquitto.url, 0, BEFORE);
    const first = hub;
    await eventually('the first frames stored', () =>
      first.ingest().frames.inserted === BEFORE ? true : undefined,
    );
    await hub.close();
    hub = undefined;

    await publish(m.mosquitto.url, BEFORE, BEFORE + WHILE_DOWN);

    hub = await start();
    const second = hub;
    await eventually('the frames published while the hub was down', () =>
      second.ingest().frames.inserted >= WHILE_DOWN ? true : undefined,
    );
    // Anything still arriving would show up as extra inserts or duplicates.
    await new Promise((r) => setTimeout(r, 500));
    second.flush();
    expect(second.ingest().frames).toMatchObject({ inserted: WHILE_DOWN, duplicates: 0 });
    const ids = second.ledger
      .statement<[], string>('SELECT frame_id FROM frames ORDER BY frame_id')
      .pluck()
      .all();
    expect(ids).toEqual(Array.from({ length: BEFORE + WHILE_DOWN }, (_, i) => frameId(i)));
    const jobs = second.ledger.statement<[], number>('SELECT count(*) FROM jobs').pluck().get();
    expect(jobs).toBe(BEFORE + WHILE_DOWN);
  }, 120_000);
});
