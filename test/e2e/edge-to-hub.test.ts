// End to end: a real hub in-process (embedded aedes, its own blob store, in-process workers with
// the packaged cloud model) and `pretag edge run` as a subprocess with one file camera and the
// device bundle as its credentials file. Frames go spool → hub blob store → MQTT → ingest →
// cloud detection → batch; the edge's stats feed the daily report.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CocoGroundTruthSchema } from '@pretag/shared/eval/coco-schema';
import { addDevice } from '../../cloud-hub/src/hub/devices.ts';
import { startHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { DeviceBundle } from '../../cloud-hub/src/hub/bundle.ts';
import { needMedia } from '../helpers/media.ts';
import { OPERATOR_TOKEN, hubDir, pretagBin, repoRoot } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';

const SITE = 'e2e-site';
const DEVICE = 'jetson-01';
const CAMERA = 'zone-a';
const video = needMedia('video/warehouse-worker-zone.mp4');

// Batches of two detected frames close at once, so a short run yields a COCO export.
const HUB_EXTRA = [
  'batches: { group_by: every-n, size: 2 }',
  'qa: { min_per_batch: 1, rate: 0.5 }',
];

interface FrameRow {
  frameId: string;
  state: string;
}
interface FrameDetail {
  state: string;
  detections: { cloud: unknown[] };
}
interface LogLine {
  msg?: string;
  [k: string]: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!video.ok)('edge agent → hub, end to end', () => {
  let h: HubDir;
  let hub: RunningHub;
  let bundle: DeviceBundle;
  let agent: ChildProcessWithoutNullStreams | undefined;
  let agentExit: Promise<number | null>;
  const agentLog: string[] = [];
  let credFile: string;

  const get = async <T>(url: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`http://127.0.0.1:${h.apiPort}${url}`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const allFrames = async (): Promise<FrameRow[]> => {
    const out: FrameRow[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { body }: { body: { items: FrameRow[]; nextCursor: string | null } } = await get(
        `/v1/frames?site=${SITE}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      out.push(...body.items);
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    return out;
  };

  const day = (offset: number) =>
    new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  const logged = (msg: string): LogLine | undefined =>
    agentLog
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return {};
        }
      })
      .find((l) => l.msg === msg);

  beforeAll(async () => {
    h = await hubDir();
    h.writeConfig(HUB_EXTRA.join('\n'));
    hub = await startHub({
      configFile: h.configFile,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
      batchIntervalMs: 200,
    });
    bundle = await addDevice(hub.config(), h.configFile, SITE, DEVICE);
    credFile = path.join(h.dir, 'edge', 'credentials.json');
    mkdirSync(path.dirname(credFile), { recursive: true });
    writeFileSync(credFile, JSON.stringify(bundle), { mode: 0o600 });
    const blobUrl = 'url' in bundle.blob ? bundle.blob.url : '';
    const edgeYaml = path.join(h.dir, 'edge', 'edge.yaml');
    writeFileSync(
      edgeYaml,
      stringify({
        site: SITE,
        device: DEVICE,
        hub: {
          mqtt: bundle.mqtt.url,
          prefix: bundle.prefix,
          blob: { hub: { url: blobUrl } },
          credentials: 'credentials.json',
          stats_interval_s: 1,
        },
        cameras: { [CAMERA]: { url: video.paths[0] } },
        spool: { dir: path.join(h.dir, 'edge', 'spool') },
        model: { adapter: 'nanodet', providers: ['cpu'] },
      }),
    );
    const child = spawn(
      process.execPath,
      [pretagBin, 'edge', 'run', '--config', edgeYaml, '--health-port', '0'],
      { cwd: repoRoot, env: { ...process.env, PRETAG_LOG_LEVEL: 'info' } },
    );
    agent = child;
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      agentLog.push(...lines);
    });
    child.stdout.resume();
    agentExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }, 120_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGKILL');
      await agentExit;
    }
    await hub?.close();
    h?.remove();
  });

  it('the credentials file is the bundle, private to its owner', () => {
    expect(statSync(credFile).mode & 0o077).toBe(0);
  });

  it('uploads detected frames exactly once, closes a COCO batch and reports uploads', async () => {
    // Bounded wait (≤ ~60 s): frames with cloud detections, a ready batch, edge stats with uploads.
    let ready: string | undefined;
    let uploadedInReport = 0;
    let detected = 0;
    for (let i = 0; i < 120; i++) {
      hub.flush();
      const frames = await allFrames();
      detected = 0;
      for (const f of frames.filter((x) => x.state !== 'pending')) {
        const d = await get<FrameDetail>(`/v1/frames/${f.frameId}`);
        if (d.body.detections.cloud.length > 0) detected++;
      }
      const batches = await get<{ items: { id: string; status: string }[] }>('/v1/batches');
      ready = batches.body.items.find((b) => b.status === 'ready')?.id;
      const report = await get<{ total: { frames: { uploaded: number } } }>(
        `/v1/reports/daily?from=${day(-1)}&to=${day(1)}&site=${SITE}`,
      );
      uploadedInReport = report.body.total.frames.uploaded;
      if (detected > 0 && ready !== undefined && uploadedInReport > 0) break;
      if (agent?.exitCode !== null) break;
      await sleep(500);
    }
    const tail = () => agentLog.slice(-15).join('\n');
    expect(agent?.exitCode, `agent exited early:\n${tail()}`).toBeNull();
    expect(detected, `no frame with cloud detections:\n${tail()}`).toBeGreaterThan(0);
    expect(ready, 'no ready batch').toBeDefined();
    expect(uploadedInReport).toBeGreaterThan(0);

    // An operator pushes a threshold: the agent applies it over edge.yaml without a restart.
    const push = await fetch(`http://127.0.0.1:${h.apiPort}/v1/config/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site: SITE, device: DEVICE, camera: CAMERA, minScore: 0.85 }),
    });
    expect(push.status).toBe(200);
    const healthUrl = String(logged('health endpoints listening')?.url);
    let minScore: unknown;
    for (let i = 0; i < 60 && minScore !== 0.85; i++) {
      await sleep(250);
      const hz = (await (await fetch(healthUrl)).json()) as {
        cameras: Record<string, { thresholds: { minScore: number } | null }>;
      };
      minScore = hz.cameras[CAMERA]?.thresholds?.minScore;
    }
    expect(minScore).toBe(0.85);

    // SIGTERM: the agent stops its cameras, drains what it can, then exits 0.
    agent?.kill('SIGTERM');
    const code = await Promise.race([agentExit, sleep(45_000).then(() => 'timeout' as const)]);
    expect(code, tail()).toBe(0);
    expect(logged('running without upload (frames stay in the spool)')).toBeUndefined();

    const cams = logged('cameras stopped')?.cameras as
      Record<string, { counters: { uploaded: number } }> | undefined;
    const accepted = cams?.[CAMERA]?.counters.uploaded;
    const up = logged('uplink stopped') as { uploaded: number; queueDepth: number } | undefined;
    expect(accepted, tail()).toBeGreaterThan(0);
    expect(up, tail()).toBeDefined();

    hub.flush();
    const frames = await allFrames();
    const ids = frames.map((f) => f.frameId);
    // Each frame once at the hub, and every frame the spool accepted is either there or still
    // in the spool (left when the stop grace ran out).
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(up?.uploaded);
    expect(ids.length + (up?.queueDepth ?? 0)).toBe(accepted);

    const coco = await get<unknown>(`/v1/batches/${ready ?? ''}/coco`);
    expect(coco.status).toBe(200);
    const parsed = CocoGroundTruthSchema.safeParse(coco.body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
    expect(parsed.data?.images.length).toBeGreaterThan(0);
    // Every exported image is one of the frames this device sent.
    for (const img of parsed.data?.images ?? []) expect(ids).toContain(img.frame_id);
  }, 180_000);
});
