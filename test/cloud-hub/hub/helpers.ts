// Helpers for whole-hub tests: free ports, a temp hub.yaml, the CLI as a subprocess, bounded
// polling and real frame payloads.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { framePayloadSchema } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import type { TopicScheme } from '@pretag/shared/mqtt/topics';
import type { MqttClient } from 'mqtt';
import { freePort } from '../../helpers/free-port.ts';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const pretagBin = path.join(repoRoot, 'shared', 'bin', 'pretag.js');
export const OPERATOR_TOKEN = 'op-hub-test-7c1e0b9d2a4c6e8f1a3b5c7d9e0f21aa';

export { freePort };

export interface HubDir {
  dir: string;
  configFile: string;
  apiPort: number;
  mqttPort: number;
  /** Writes hub.yaml from the given body (ports and storage are filled in). */
  writeConfig(extra?: string): void;
  remove(): void;
}

export async function hubDir(): Promise<HubDir> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-hub-'));
  const apiPort = await freePort();
  const mqttPort = await freePort();
  const configFile = path.join(dir, 'hub.yaml');
  writeFileSync(
    path.join(dir, 'tokens.yaml'),
    `tokens:\n  - { name: ops, role: operator, token: ${OPERATOR_TOKEN} }\n`,
  );
  const writeConfig = (extra = ''): void =>
    writeFileSync(
      configFile,
      [
        `listen: { host: 127.0.0.1, port: ${apiPort} }`,
        `mqtt:`,
        `  embedded: { host: 127.0.0.1, port: ${mqttPort} }`,
        `storage: { dir: ./data }`,
        `auth: { tokens_file: tokens.yaml }`,
        extra,
      ].join('\n'),
    );
  writeConfig();
  return {
    dir,
    configFile,
    apiPort,
    mqttPort,
    writeConfig,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `pretag …` to completion. */
export function pretag(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pretagBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, PRETAG_LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Polls `check` until it returns a value (not undefined), at most `tries` × `everyMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  tries = 300,
  everyMs = 100,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A valid frame payload for a JPEG. */
export function framePayload(p: {
  site: string;
  device: string;
  camera: string;
  frameId: string;
  jpeg: Buffer;
  width: number;
  height: number;
  capturedAt?: string;
}): FramePayload {
  const capturedAt = p.capturedAt ?? new Date().toISOString();
  return framePayloadSchema.parse({
    v: 1,
    frameId: p.frameId,
    capturedAt,
    site: p.site,
    device: p.device,
    camera: p.camera,
    blobKey: frameBlobKey({ site: p.site, camera: p.camera, capturedAt, frameId: p.frameId }),
    width: p.width,
    height: p.height,
    sha256: createHash('sha256').update(p.jpeg).digest('hex'),
    bytes: p.jpeg.length,
    reason: 'prefilter',
    detections: [],
    motionScore: null,
    thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person'] },
    modelId: 'nanodet-int8',
  });
}

/** Publish the retained `online` status a device sends before its frames (QoS 1). */
export async function publishOnline(
  client: MqttClient,
  scheme: TopicScheme,
  p: { site: string; device: string; camera: string },
): Promise<void> {
  await client.publishAsync(
    scheme.status({ site: p.site, device: p.device }),
    JSON.stringify({
      v: 1,
      site: p.site,
      device: p.device,
      state: 'online',
      agentVersion: '0.1.0',
      cameras: [p.camera],
      uptime_s: 1,
      at: new Date().toISOString(),
    }),
    { qos: 1, retain: true },
  );
}
