// The embedded broker against real mqtt.js clients: who may connect, publish and subscribe, and
// that hostile input (oversized packets, garbage bytes) costs one connection, never the broker.
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodePayload } from '../../../shared/src/mqtt/payloads.ts';
import { topicScheme } from '../../../shared/src/mqtt/topics.ts';
import { HUB, PREFIX, SOON, closed, collect, connect, startHarness } from './harness.ts';
import type { Harness } from './harness.ts';

const topics = topicScheme(PREFIX);
const SITE = 'dublin-plant-2';

let h: Harness;
let clients: MqttClient[];
let devA: { username: string; password: string };
let devB: { username: string; password: string };

async function add(device: string) {
  const r = await h.registry.addDevice(SITE, device);
  if (!r.ok) throw new Error(r.reason);
  return { username: r.username, password: r.password };
}

async function client(username: string, password: string, clientId = username) {
  const c = await connect(h.url, { username, password, clientId });
  clients.push(c);
  return c;
}

async function hubClient() {
  const hub = await client(HUB.username, HUB.password, 'pretag-hub');
  const got = collect(hub);
  await hub.subscribeAsync([topics.hubFilters.frame, topics.hubFilters.status], { qos: 1 });
  return { hub, got };
}

/** The CONNACK return code a refused connect carries (mqtt.js puts it on `code`). */
async function refusal(
  username: string | undefined,
  password: string | undefined,
  clientId?: string,
) {
  const err = await connect(h.url, {
    username,
    password,
    clientId: clientId ?? username ?? 'x',
  }).then(
    (c) => {
      clients.push(c);
      throw new Error('connected, but should have been refused');
    },
    (e: unknown) => e as { code?: number },
  );
  return err.code;
}

/** The SUBACK codes, one per filter (mqtt.js rejects when any is a failure; keep the packet). */
function subackCodes(c: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    c.subscribe(filters, { qos: 1 }, (_err, _granted, packet) => {
      resolve(packet && 'granted' in packet ? (packet.granted as number[]) : []);
    });
  });
}

beforeEach(async () => {
  clients = [];
  h = await startHarness();
  devA = await add('orin-07');
  devB = await add('orin-08');
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await h.stop();
});

describe('embedded broker: authentication', () => {
  it('lets a registered device in and the hub receives its frame', async () => {
    const { got } = await hubClient();
    const a = await client(devA.username, devA.password);
    const topic = topics.frame(SITE, 'orin-07', 'dock-door-3');
    await a.publishAsync(topic, '{"frame":1}', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(got[0]?.topic).toBe(topic);
    expect(got[0]?.payload.toString()).toBe('{"frame":1}');
    expect(Object.values(h.broker.rejections()).every((n) => n === 0)).toBe(true);
  });

  it('refuses a wrong password, an unknown user and no credentials with CONNACK 4', async () => {
    expect(await refusal(devA.username, devB.password)).toBe(4);
    expect(await refusal('ghost@dublin-plant-2', devA.password)).toBe(4);
    expect(await refusal(undefined, undefined, 'anon')).toBe(4);
    expect(await refusal(HUB.username, 'not-the-hub-secret-at-all', 'pretag-hub')).toBe(4);
    expect(h.broker.rejections().bad_credentials).toBe(4);
  });

  it('refuses a revoked device with CONNACK 5 (not authorized)', async () => {
    expect(h.registry.revoke(SITE, 'orin-07')).toEqual({ ok: true });
    expect(await refusal(devA.username, devA.password)).toBe(5);
    expect(h.broker.rejections().revoked).toBe(1);
    // The other device is unaffected.
    await client(devB.username, devB.password);
  });

  it('cuts a revoked device that is still connected, and it cannot come back', async () => {
    const { got } = await hubClient();
    const ref = { site: SITE, device: 'orin-07' };
    const a = await connect(h.url, {
      ...devA,
      clientId: devA.username,
      will: { topic: topics.status(ref), payload: 'offline', qos: 1, retain: true },
    });
    clients.push(a);
    const b = await client(devB.username, devB.password);
    const gone = closed(a);
    expect(h.registry.revoke(SITE, 'orin-07')).toEqual({ ok: true });
    expect(h.broker.disconnectDevice(ref)).toBe(1);
    await gone;
    await vi.waitFor(() => expect(got.map((m) => m.payload.toString())).toEqual(['offline']), SOON);
    expect(b.connected).toBe(true);
    expect(await refusal(devA.username, devA.password)).toBe(5);
  });

  it("refuses a device that takes another device's client id (session takeover)", async () => {
    const b = await client(devB.username, devB.password);
    expect(await refusal(devA.username, devA.password, devB.username)).toBe(2);
    expect(b.connected).toBe(true);
    expect(h.broker.rejections().client_id).toBe(1);
    // Its own name with a '/' suffix is fine.
    await client(devA.username, devA.password, `${devA.username}/uplink`);
  });
});

describe('embedded broker: topic ACLs', () => {
  it("drops device A when it publishes under device B's topics; the hub never sees it", async () => {
    const { got } = await hubClient();
    const a = await client(devA.username, devA.password);
    const gone = closed(a);
    a.publish(topics.frame(SITE, 'orin-08', 'dock-door-3'), 'forged', { qos: 1 });
    await gone;
    expect(h.broker.rejections().acl_publish).toBe(1);
    // A later, legitimate message from B arrives, and nothing else did.
    const b = await client(devB.username, devB.password);
    await b.publishAsync(topics.status({ site: SITE, device: 'orin-08' }), 'real', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(got.map((m) => m.payload.toString())).toEqual(['real']);
  });

  it.each([
    ['its own config topic', topics.config({ site: SITE, device: 'orin-07' })],
    ['a $SYS topic', '$SYS/broker/uptime'],
    ['a topic outside the prefix', 'other/app/topic'],
  ])('denies a device publishing to %s', async (_what, topic) => {
    const a = await client(devA.username, devA.password);
    const gone = closed(a);
    a.publish(topic, 'x', { qos: 1 });
    await gone;
    expect(h.broker.rejections().acl_publish).toBe(1);
  });

  it("refuses subscriptions to another device's config and to wildcards, grants its own", async () => {
    const hub = await client(HUB.username, HUB.password, 'pretag-hub');
    const ownConfig = topics.config({ site: SITE, device: 'orin-07' });
    const otherConfig = topics.config({ site: SITE, device: 'orin-08' });
    await hub.publishAsync(ownConfig, 'for-a', { qos: 1, retain: true });
    await hub.publishAsync(otherConfig, 'for-b', { qos: 1, retain: true });

    const a = await client(devA.username, devA.password);
    const got = collect(a);
    const filters = [otherConfig, '#', `${PREFIX}/+/+/config`, '$SYS/#', ownConfig];
    // SUBACK 0x80 = failure, per filter; the connection stays up.
    expect(await subackCodes(a, filters)).toEqual([128, 128, 128, 128, 1]);
    expect(h.broker.rejections().acl_subscribe).toBe(4);
    expect(a.connected).toBe(true);

    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(got[0]).toMatchObject({ topic: ownConfig, retain: true });
    expect(got[0]?.payload.toString()).toBe('for-a');
  });
});

describe('embedded broker: status and last will', () => {
  const ref = { site: SITE, device: 'orin-07' };
  const status = (state: 'online' | 'offline') =>
    encodePayload('status', {
      v: 1,
      site: SITE,
      device: 'orin-07',
      state,
      agentVersion: '0.1.0',
      cameras: ['dock-door-3'],
      uptime_s: 0,
      at: '2026-11-27T01:00:00Z',
    });

  it('delivers the retained last will "offline" when a device socket dies', async () => {
    const { got } = await hubClient();
    const a = await connect(h.url, {
      ...devA,
      clientId: devA.username,
      will: { topic: topics.status(ref), payload: status('offline'), qos: 1, retain: true },
    });
    clients.push(a);
    await a.publishAsync(topics.status(ref), status('online'), { qos: 1, retain: true });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    a.stream.destroy(); // no DISCONNECT: the broker must publish the will
    await vi.waitFor(() => expect(got).toHaveLength(2), SOON);
    const states = got.map((m) => (JSON.parse(m.payload.toString()) as { state: string }).state);
    expect(states).toEqual(['online', 'offline']);
    // A subscriber arriving later still learns the device is offline.
    const late = await client(HUB.username, HUB.password, 'pretag-hub-2');
    const lateGot = collect(late);
    await late.subscribeAsync(topics.hubFilters.status, { qos: 1 });
    await vi.waitFor(() => expect(lateGot).toHaveLength(1), SOON);
    expect(lateGot[0]?.retain).toBe(true);
    expect(JSON.parse(lateGot[0]?.payload.toString() ?? '')).toMatchObject({ state: 'offline' });
  });

  it("does not publish a will aimed at another device's status", async () => {
    const { got } = await hubClient();
    const a = await connect(h.url, {
      ...devA,
      clientId: devA.username,
      will: { topic: topics.status({ site: SITE, device: 'orin-08' }), payload: 'x', qos: 1 },
    });
    a.stream.destroy();
    await vi.waitFor(() => expect(h.broker.rejections().acl_publish).toBe(1), SOON);
    expect(got).toEqual([]);
  });
});

describe('embedded broker: hostile input', () => {
  /** PUBLISH QoS 1 bytes: 1 type byte + length bytes + (2 + topic) + 2 message id + payload. */
  const payloadFor = (packetBytes: number, topic: string, lengthBytes: number) =>
    packetBytes - 1 - lengthBytes - (2 + topic.length) - 2;

  it('drops a connection whose packet is over max_packet_bytes; exactly at the limit passes', async () => {
    const { got } = await hubClient();
    const topic = topics.frame(SITE, 'orin-07', 'dock-door-3');
    const limit = 256 * 1024;
    // Remaining length 262 140 needs 3 length bytes (16 384 ≤ n < 2 097 152).
    const a = await client(devA.username, devA.password);
    await a.publishAsync(topic, Buffer.alloc(payloadFor(limit, topic, 3), 1), { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(got[0]?.payload.length).toBe(limit - 1 - 3 - (2 + topic.length) - 2);

    const gone = closed(a);
    a.publish(topic, Buffer.alloc(payloadFor(limit + 1, topic, 3), 2), { qos: 1 });
    await gone;
    expect(h.broker.rejections().oversized).toBe(1);
    // The broker is fine and other devices carry on.
    const b = await client(devB.username, devB.password);
    await b.publishAsync(topics.frame(SITE, 'orin-08', 'gate'), 'after', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(2), SOON);
    expect(got[1]?.payload.toString()).toBe('after');
  });

  it('refuses a 100 MB announced packet from the header alone, before the body is sent', async () => {
    const sock = net.connect(h.broker.port, '127.0.0.1');
    const ended = new Promise((resolve) => sock.once('close', resolve));
    sock.on('error', () => undefined);
    // CONNECT announcing 100 000 000 bytes: 0x80 0xC2 0xD7 0x2F (hand-encoded), then silence.
    sock.write(Buffer.from([0x10, 0x80, 0xc2, 0xd7, 0x2f]));
    await ended;
    expect(h.broker.rejections().oversized).toBe(1);
  });

  it.each([
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a length running past 4 bytes', Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])],
    ['a reserved packet type', Buffer.from([0xf0, 0x00])],
    [
      'a CONNECT with a bad protocol name',
      Buffer.from([0x10, 0x08, 0x00, 0x04, 0x4a, 0x55, 0x4e, 0x4b, 0x04, 0x00]),
    ],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
  ])('survives %s on the socket', async (_what, bytes) => {
    const { got } = await hubClient();
    const sock = net.connect(h.broker.port, '127.0.0.1');
    const ended = new Promise((resolve) => sock.once('close', resolve));
    sock.on('error', () => undefined);
    sock.write(bytes);
    await ended; // the broker hangs up
    const a = await client(devA.username, devA.password);
    await a.publishAsync(topics.frame(SITE, 'orin-07', 'cam'), 'still-up', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(1), SOON);
    expect(h.broker.rejections()).toMatchObject({ malformed: 1, oversized: 0 });
  });
});

describe('embedded broker: shutdown', () => {
  it('closes client connections and frees the port', async () => {
    const a = await client(devA.username, devA.password);
    const gone = closed(a);
    const port = h.broker.port;
    await h.broker.close();
    await gone;
    // The port can be bound again at once.
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});
