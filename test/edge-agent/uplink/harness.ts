// Real parts for the uplink tests: an in-process aedes broker, a tiny node:http server that
// implements the hub's blob contract (PUT/GET/HEAD/DELETE /v1/blobs/<key>, bearer
// `username:password`, Content-MD5, If-None-Match: *) over a FsBlobStore, and an MQTT subscriber
// that plays the hub's ingest (persistent session, QoS 1) and records what arrives.
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Aedes } from 'aedes';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import { keyWithinPrefix, validateBlobKey } from '@pretag/shared/blob/keys';
import { decodePayload } from '@pretag/shared/mqtt/payloads';
import type { FramePayload, StatsPayload, StatusPayload } from '@pretag/shared/mqtt/payloads';

export { freePort } from '../../helpers/mosquitto.ts';

export const SITE = 'site1';
export const DEVICE = 'jetson1';
export const USERNAME = 'jetson1@site1';
export const PASSWORD = 'Secr3t-token-for-tests';

export interface RunningAedes {
  port: number;
  url: string;
  broker: Aedes;
  stop(): Promise<void>;
}

export async function startAedes(port = 0): Promise<RunningAedes> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `mqtt://127.0.0.1:${actual}`,
    broker,
    stop: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface BlobServer {
  port: number;
  url: string;
  store: FsBlobStore;
  /** Requests by method, for assertions. */
  requests: Record<string, number>;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;

/** The hub's blob contract over a FsBlobStore, as the hub engineer's server implements it. */
export async function startBlobServer(
  root: string,
  opts: { port?: number; site?: string; delayMs?: number } = {},
): Promise<BlobServer> {
  const store = new FsBlobStore(root);
  const site = opts.site ?? SITE;
  const requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      requests[method] = (requests[method] ?? 0) + 1;
      const url = new URL(req.url ?? '/', 'http://x');
      if (!url.pathname.startsWith('/v1/blobs/')) return end(res, 404);
      const key = url.pathname.slice('/v1/blobs/'.length);
      if (req.headers.authorization !== `Bearer ${USERNAME}:${PASSWORD}`) return end(res, 401);
      if (!validateBlobKey(key).ok) return end(res, 400);
      if (!keyWithinPrefix(key, `frames/${site}/`)) return end(res, 403);
      if (method === 'PUT') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of req) {
          size += (c as Buffer).byteLength;
          if (size > MAX_BODY) return end(res, 413);
          chunks.push(c as Buffer);
        }
        const body = Buffer.concat(chunks);
        const md5 = createHash('md5').update(body).digest('base64');
        if (req.headers['content-md5'] !== md5) return end(res, 400);
        if (opts.delayMs) await sleep(opts.delayMs);
        const existing = await store.get(key);
        if (existing !== undefined) {
          if (req.headers['if-none-match'] !== '*') {
            await store.put(key, body, { contentType: 'image/jpeg' });
            return end(res, 200);
          }
          return end(res, Buffer.from(existing).equals(body) ? 200 : 409);
        }
        await store.put(key, body, { contentType: 'image/jpeg' });
        return end(res, 201);
      }
      if (method === 'GET' || method === 'HEAD') {
        const info = await store.head(key);
        if (!info) return end(res, 404);
        res.writeHead(200, {
          'content-type': info.contentType,
          'content-length': info.size,
          'last-modified': info.lastModified.toUTCString(),
        });
        if (method === 'HEAD') return res.end();
        return res.end(Buffer.from((await store.get(key)) ?? new Uint8Array()));
      }
      if (method === 'DELETE') return end(res, (await store.delete(key)) ? 204 : 404);
      return end(res, 405);
    })().catch(() => end(res, 500));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    store,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function end(res: http.ServerResponse, status: number): void {
  if (!res.headersSent) res.writeHead(status);
  res.end();
}

export interface Received {
  frames: FramePayload[];
  statuses: StatusPayload[];
  stats: StatsPayload[];
  invalid: string[];
}

export interface Collector extends Received {
  client: MqttClient;
  close(): Promise<void>;
}

/** The hub side: persistent session, QoS 1, frames and statuses of every device, decoded. */
export async function startCollector(
  url: string,
  clientId = `hub-collector-${process.pid}`,
  auth?: { username: string; password: string },
): Promise<Collector> {
  const client = connect(url, {
    ...auth,
    clientId,
    clean: false,
    reconnectPeriod: 200,
    protocolVersion: 4,
  });
  const out: Received = { frames: [], statuses: [], stats: [], invalid: [] };
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/frame')) {
      const r = decodePayload('frame', payload);
      if (r.ok) out.frames.push(r.value);
      else out.invalid.push(r.reason);
    } else if (topic.endsWith('/stats')) {
      const r = decodePayload('stats', payload);
      if (r.ok) out.stats.push(r.value);
      else out.invalid.push(r.reason);
    } else if (topic.endsWith('/status')) {
      const r = decodePayload('status', payload);
      if (r.ok) out.statuses.push(r.value);
      else out.invalid.push(r.reason);
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync({
    'pretag/v1/+/+/+/frame': { qos: 1 },
    'pretag/v1/+/+/status': { qos: 1 },
    'pretag/v1/+/+/stats': { qos: 0 },
  });
  return Object.assign(out, {
    client,
    close: async () => {
      await client.endAsync();
    },
  });
}

/** Poll `cond` every 50 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
