// HTTPS when hub.yaml configures listen.tls: a certificate made by openssl, and a client that
// trusts only that certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

let dir: string;
let cert: string;
let hub: TestHub;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pretag-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(certFile, 'utf8');
  hub = await startHub({ https: { key: readFileSync(keyFile, 'utf8'), cert } });
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(pathname: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: hub.port,
        path: pathname,
        ca,
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS', () => {
  it('serves the API over TLS to a client that trusts the certificate', async () => {
    expect(hub.base.startsWith('https://')).toBe(true);
    const res = await get('/v1/frames', cert);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ items: [], nextCursor: null });
  });

  it('a client that does not trust the certificate cannot connect', async () => {
    await expect(get('/healthz', undefined)).rejects.toThrow(/self-signed|certificate/i);
  });
});
