// `pretag edge run` as a real subprocess: a file-URL camera, real HTTP on /healthz and /metrics,
// live reload of a good and a bad edit, and a clean SIGTERM that leaves no ffmpeg behind.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.ts';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const m = needMedia('video/warehouse-worker-zone.mp4');
const bin = path.join(repoRoot, 'node_modules/.bin/pretag');

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Health {
  status: string;
  config: { reloads: number; reloadErrors: number };
  cameras: Record<
    string,
    {
      state: string;
      restarts: number;
      thresholds: { minScore: number } | null;
      counters: { sampled: number };
    }
  >;
}

describe.skipIf(!m.ok)('pretag edge run (agent subprocess)', () => {
  let dir: string;
  let cfg: string;
  let camFile: string;
  let port: number;
  let agent: ChildProcess;
  let stderr = '';
  let exit: Promise<number | null>;
  const config = (minScore: string) => `site: test-site
device: dev-1
hub:
  mqtt: mqtt://127.0.0.1:1883
  blob: { hub: { url: http://127.0.0.1:8080 } }
defaults:
  sample_fps: 2
  max_fps: 2
  prefilter:
    min_score: ${minScore}
cameras:
  zone:
    url: ${pathToFileURL(camFile).href}
spool:
  dir: ${path.join(dir, 'spool')}
health:
  port: ${port}
`;
  const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);
  const health = async () => (await (await get('/healthz')).json()) as Health;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-'));
    // A uniquely named link, so "no ffmpeg left" can look for this path alone.
    camFile = path.join(dir, 'camera-zone.mp4');
    symlinkSync(m.paths[0] as string, camFile);
    port = await freePort();
    cfg = path.join(dir, 'edge.yaml');
    writeFileSync(cfg, config('0.35'));
    agent = spawn(process.execPath, [bin, 'edge', 'run', '--config', cfg], {
      cwd: repoRoot,
      env: { ...process.env, PRETAG_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    exit = new Promise((resolve) => agent.once('exit', (code) => resolve(code)));
  });
  afterAll(() => {
    if (agent.exitCode === null) agent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /healthz (200, camera streaming) once frames flow', async () => {
    const h = await until('a streaming camera', async () => {
      const r = await get('/healthz');
      const body = (await r.json()) as Health;
      return r.status === 200 && (body.cameras.zone?.counters.sampled ?? 0) > 0 ? body : undefined;
    });
    expect(h.status).toBe('ok');
    expect(h.cameras.zone?.state).toBe('streaming');
    expect(h.cameras.zone?.thresholds?.minScore).toBe(0.35);
  });

  it('serves /metrics in Prometheus text format', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toMatch(/^# TYPE pretag_edge_frames_total counter$/m);
    const sampled = /^pretag_edge_frames_total\{camera="zone",stage="sampled"\} (\d+)$/m.exec(text);
    expect(Number(sampled?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^pretag_edge_camera_streaming\{camera="zone"\} 1$/m);
    expect((await get('/nothing')).status).toBe(404);
  });

  it('applies a good edit live without restarting the camera', async () => {
    writeFileSync(cfg, config('0.5'));
    const h = await until('the new threshold', async () => {
      const b = await health();
      return b.cameras.zone?.thresholds?.minScore === 0.5 ? b : undefined;
    });
    expect(h.config.reloads).toBe(1);
    expect(h.cameras.zone?.restarts).toBe(0);
  });

  it('survives a bad edit: logs file, line and key, keeps the last good config', async () => {
    writeFileSync(cfg, config('1.5'));
    // min_score is on line 10.
    await until('the rejected edit in the log', () =>
      Promise.resolve(
        stderr.includes('config edit rejected') && stderr.includes(`${cfg}:10:`) ? true : undefined,
      ),
    );
    expect(stderr).toMatch(/defaults\.prefilter\.min_score/);
    const r = await get('/healthz');
    expect(r.status).toBe(200);
    const h = (await r.json()) as Health;
    expect(h.cameras.zone?.thresholds?.minScore).toBe(0.5);
    expect(h.config.reloadErrors).toBe(1);
  });

  it('exits 0 on SIGTERM and leaves no ffmpeg behind', async () => {
    agent.kill('SIGTERM');
    expect(await exit).toBe(0);
    const ps = spawnSync('ps', ['-eo', 'args']).stdout.toString();
    expect(ps.split('\n').filter((l) => l.includes('ffmpeg') && l.includes(camFile))).toEqual([]);
  });
});

describe('pretag edge run with a bad config', () => {
  it('exits 1 naming file, line and key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agent-bad-'));
    const cfg = path.join(dir, 'edge.yaml');
    writeFileSync(
      cfg,
      'site: s\ndevice: d\nhub: { mqtt: mqtt://h:1883, blob: azure }\ncameras:\n  c1:\n    url: rtsp://10.0.0.1/x\n    sample_fps: -2\n',
    );
    const r = spawnSync(process.execPath, [bin, 'edge', 'run', '--config', cfg], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`edge\\.yaml:7:\\d+ cameras\\.c1\\.sample_fps`));
  });
});
