// A real hub API for tests: Fastify listening on loopback, a SQLite ledger and device registry in
// a temp dir, the filesystem blob store, and real credentials (two devices at one site, one at
// another; an operator and a reviewer token).
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import { buildApi } from '../../../cloud-hub/src/api/index.ts';
import type { ApiLimits } from '../../../cloud-hub/src/api/index.ts';
import { tokensFromDocument } from '../../../cloud-hub/src/auth/tokens-file.ts';
import { DeviceRegistry } from '../../../cloud-hub/src/broker/device-registry.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger, LedgerOptions } from '../../../cloud-hub/src/ledger/index.ts';

// Cheap scrypt keeps device sign-ins quick in tests; the cost is a parameter, not the logic.
const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };

export const OPERATOR_TOKEN = 'op-4f7c1e0b9d2a4c6e8f1a3b5c7d9e0f21-operator';
export const REVIEWER_TOKEN = 'rv-0a1b2c3d4e5f60718293a4b5c6d7e8f9-reviewer';
export const SITE = 'dublin-plant-2';
export const OTHER_SITE = 'cork-1';

export interface TestDevice {
  site: string;
  device: string;
  bearer: string;
}

export interface TestHub {
  base: string;
  port: number;
  app: FastifyInstance;
  ledger: Ledger;
  registry: DeviceRegistry;
  store: FsBlobStore;
  /** Everything the test owns; the blob root is `blobs/` inside it. */
  dir: string;
  blobRoot: string;
  devices: { a: TestDevice; b: TestDevice; cork: TestDevice };
  close(): Promise<void>;
}

export interface HubOptions {
  limits?: Partial<ApiLimits>;
  ledger?: LedgerOptions;
  https?: { key: string; cert: string };
}

export async function startHub(options: HubOptions = {}): Promise<TestHub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-api-'));
  const ledger = openLedger(path.join(dir, 'ledger', 'pretag.db'), options.ledger);
  const registry = new DeviceRegistry(ledger.db, { scrypt: FAST_SCRYPT });
  const add = async (site: string, device: string): Promise<TestDevice> => {
    const r = await registry.addDevice(site, device);
    if (!r.ok) throw new Error(r.reason);
    return { site, device, bearer: `Bearer ${r.username}:${r.password}` };
  };
  const devices = {
    a: await add(SITE, 'orin-07'),
    b: await add(SITE, 'orin-08'),
    cork: await add(OTHER_SITE, 'orin-01'),
  };
  // The reviewer is listed by hash only, as an operator would write the file.
  const tokens = tokensFromDocument({
    tokens: [
      { name: 'olga', role: 'operator', token: OPERATOR_TOKEN },
      {
        name: 'rita',
        role: 'reviewer',
        sha256: createHash('sha256').update(REVIEWER_TOKEN).digest('hex'),
      },
    ],
  });
  const blobRoot = path.join(dir, 'blobs');
  const store = new FsBlobStore(blobRoot);
  const app = buildApi({
    ledger,
    blobStore: store,
    registry,
    tokens,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.https ? { https: options.https } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    base: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    app,
    ledger,
    registry,
    store,
    dir,
    blobRoot,
    devices,
    async close() {
      await app.close();
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
export const reviewer = { authorization: `Bearer ${REVIEWER_TOKEN}` };

/** A real JPEG (sharp/libjpeg) of a coloured gradient; `seed` changes its content. */
export async function makeJpeg(seed = 0, width = 96, height = 64): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 2 + seed * 37) & 255;
      raw[i + 1] = (y * 3 + seed * 11) & 255;
      raw[i + 2] = (x + y + seed) & 255;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const md5Base64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

/** Every file below `root`, as paths relative to it ('/'-separated). */
export function filesUnder(root: string): string[] {
  let entries;
  try {
    entries = readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with the path sent exactly as given (fetch would normalise '..' and '//'). */
export function rawRequest(
  port: number,
  method: string,
  rawPath: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path: rawPath,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `frames/{site}/{camera}/2026/11/27/{frameId}.jpg` */
export const frameKey = (site: string, camera: string, frameId: string) =>
  `frames/${site}/${camera}/2026/11/27/${frameId}.jpg`;
