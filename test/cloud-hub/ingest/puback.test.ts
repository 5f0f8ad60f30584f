// What ack-after-commit relies on inside mqtt.js (private, checked against 5.16), against a real
// Mosquitto with a persistent session: `done(err)` from handleMessage sends no PUBACK, and
// pubackSender's PUBACK completes the delivery. The broker says which was acknowledged: after a
// reconnect it sends again exactly the messages that were not. If a newer mqtt.js changes either
// behaviour, this fails.
import mqtt from 'mqtt';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { pubackSender } from '../../../cloud-hub/src/ingest/puback.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import { until } from './aedes-broker.ts';

const m = await startMosquitto();
const SESSION = {
  clientId: 'puback-test-hub',
  protocolVersion: 5,
  clean: false,
  reconnectPeriod: 0,
  properties: { sessionExpiryInterval: 300 },
} as const;

afterAll(async () => {
  if (m.ok) await m.mosquitto.dispose();
});

/** A persistent-session client that sends no PUBACK of its own and records what it receives. */
function holdingClient(url: string): { client: MqttClient; got: IPublishPacket[] } {
  const client = mqtt.connect(url, SESSION);
  client.handleMessage = (_packet, done) => done(new Error('acknowledged later'));
  const got: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => got.push(packet));
  return { client, got };
}

describe.skipIf(!m.ok)('sending our own PUBACK through mqtt.js', () => {
  it('acknowledges exactly the messages it is called for', async () => {
    if (!m.ok) return;
    const url = m.mosquitto.url;
    const first = holdingClient(url);
    await new Promise((r) => first.client.once('connect', r));
    await first.client.subscribeAsync('acks/#', { qos: 1 });
    const dev = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    for (const t of ['acks/a', 'acks/b', 'acks/c']) await dev.publishAsync(t, t, { qos: 1 });
    await until(() => first.got.length === 3, 'three messages at the subscriber');
    const idOf = (topic: string): number =>
      first.got.find((p) => p.topic === topic)?.messageId ?? -1;
    const puback = pubackSender(first.client);
    puback(idOf('acks/a'));
    puback(idOf('acks/c'));
    await first.client.endAsync();

    // Same session: the broker sends again what it holds unacknowledged (before anything new).
    const second = holdingClient(url);
    await new Promise((r) => second.client.once('connect', r));
    await dev.publishAsync('acks/marker', 'marker', { qos: 1 });
    await until(
      () => second.got.some((p) => p.topic === 'acks/marker'),
      'the marker published after the reconnect',
    );
    expect(second.got.map((p) => p.topic)).toEqual(['acks/b', 'acks/marker']);
    expect(second.got[0]?.dup).toBe(true);
    await second.client.endAsync(true);
    await dev.endAsync();
  }, 30_000);

  it('refuses, with a message naming mqtt.js, a client without the private send', () => {
    expect(() => pubackSender({} as MqttClient)).toThrow(
      /mqtt\.js has no _sendPacket \(checked against mqtt 5\.16\)/,
    );
  });
});
