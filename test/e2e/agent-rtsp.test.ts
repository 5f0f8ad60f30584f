// `pretag edge run` with a real RTSP camera (GStreamer's RTSP server on loopback) beside a file
// camera: the RTSP server is killed and restarted on the same port mid-stream; the agent finds
// the camera again by itself, and the file camera keeps streaming throughout.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needMedia } from '../helpers/media.ts';
import { RtspServer, rtspServerAvailable } from '../helpers/rtsp-server.ts';
import { freePort, pretagBin, repoRoot } from '../cloud-hub/hub/helpers.ts';

const m = needMedia('video/indoor-one-by-one-person.mp4', 'video/warehouse-worker-zone.mp4');
const rtsp = m.ok ? rtspServerAvailable() : { ok: false, reason: m.reason };
if (m.ok && !rtsp.ok) console.warn(`SKIP: ${rtsp.reason}`);
const [rtspVideo = '', fileVideo = ''] = m.paths;

interface Health {
  cameras: Record<string, { state: string; restarts: number; counters: { decoded: number } }>;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(!rtsp.ok)('agent with a live RTSP camera that drops out', () => {
  let dir: string;
  let server: RtspServer;
  let agent: ChildProcess;
  let exit: Promise<number | null>;
  let port: number;
  let stderr = '';
  const health = async () =>
    (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-rtsp-agent-'));
    server = await RtspServer.start(rtspVideo);
    port = await freePort();
    const cfg = path.join(dir, 'edge.yaml');
    writeFileSync(
      cfg,
      [
        'site: s1',
        'device: d1',
        // No credentials file: the agent runs without upload, which is all this test needs.
        'hub: { mqtt: mqtt://127.0.0.1:1, blob: { hub: { url: http://127.0.0.1:1 } }, credentials: absent.json }',
        'defaults: { sample_fps: 2, max_fps: 2 }',
        'cameras:',
        `  live: { url: ${server.url} }`,
        `  file: { url: ${fileVideo} }`,
        `spool: { dir: ${path.join(dir, 'spool')} }`,
        `health: { port: ${port} }`,
        'model: { adapter: nanodet, providers: [cpu] }',
      ].join('\n'),
    );
    agent = spawn(process.execPath, [pretagBin, 'edge', 'run', '--config', cfg], {
      cwd: repoRoot,
      env: { ...process.env, PRETAG_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    exit = new Promise((resolve) => agent.once('exit', (code) => resolve(code)));
  }, 60_000);

  afterAll(async () => {
    if (agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGKILL');
      await exit;
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects after the camera restarts; the other camera never stops', async () => {
    const first = await until('both cameras streaming', async () => {
      const h = await health();
      const ok = ['live', 'file'].every(
        (c) => h.cameras[c]?.state === 'streaming' && (h.cameras[c]?.counters.decoded ?? 0) > 0,
      );
      return ok ? h : undefined;
    });
    expect(first.cameras.live?.restarts).toBe(0);

    await server.kill();
    const down = await until('the live camera reconnecting', async () => {
      const h = await health();
      return h.cameras.live?.state === 'reconnecting' ? h : undefined;
    });
    // While the camera is away the file camera keeps decoding.
    const fileBefore = down.cameras.file?.counters.decoded ?? 0;
    await until('the file camera still decoding', async () => {
      const h = await health();
      return (h.cameras.file?.counters.decoded ?? 0) > fileBefore ? true : undefined;
    });

    await server.restart();
    const liveBefore = down.cameras.live?.counters.decoded ?? 0;
    const back = await until('the live camera streaming again', async () => {
      const h = await health();
      const c = h.cameras.live;
      return c?.state === 'streaming' && c.counters.decoded > liveBefore ? h : undefined;
    });
    expect(back.cameras.live?.restarts).toBeGreaterThanOrEqual(1);
    expect(back.cameras.file?.restarts).toBe(0);
    expect(stderr).toContain('camera source failed; reconnecting');

    agent.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 120_000);
});
