// `pretag demo`: a hub and one edge camera per video in this process, on the embedded defaults.
// Each video runs through the real edge pipeline as fast as it decodes, into a spool and the real
// uplink (blob PUT to the hub, metadata over MQTT with the device's credentials). Then it waits
// for the hub to detect every uploaded frame, closes the batches and writes the outputs.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import { CliError } from '@pretag/shared/cli/errors';
import { loadConfigOrThrow, parseConfig, formatConfigErrors } from '@pretag/shared/config/load';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { resolveCamera } from '@pretag/shared/config/resolve';
import { createLogger } from '@pretag/shared/log/logger';
import type { CameraCounters, FramePayload } from '@pretag/shared/mqtt/payloads';
import { createBatchRegistry } from '../batches/registry.ts';
import type { GroupBy } from '../batches/grouping.ts';
import { addDevice } from '../hub/devices.ts';
import { packagedModelsDir } from '../hub/detector.ts';
import { startHub } from '../hub/run-hub.ts';
import type { RunningHub } from '../hub/run-hub.ts';
import { cameraIds, DEMO_DEVICE, DEMO_SITE, edgeYaml, hubYaml, tokensYaml } from './config-text.ts';
import { loadEdgeModules, loadModelBuild } from './edge-modules.ts';
import type { CameraPipelineLike, EdgeDetector, EdgeModules, UplinkLike } from './edge-modules.ts';
import { createProgressDisplay } from './progress.ts';
import type { CameraProgress } from './progress.ts';
import { writeOutputs } from './outputs.ts';

export interface DemoOptions {
  videos: string[];
  out: string;
  serve: boolean;
  port?: number | undefined;
  /** Stop each camera after this many seconds of video. */
  maxSeconds?: number | undefined;
}

/** Debian opencv-doc's sample video, used when no video is given. */
export const SAMPLE_VIDEO = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
export const NO_VIDEO_HINT =
  'no video given: run `pretag demo path/to/video.mp4` (one camera per video; any format ffmpeg reads)';
/** How long to wait for the hub to take in and detect the uploaded frames. */
const SETTLE_MS = 300_000;
const MODELS = ['nanodet', 'centernet', 'blazeface-back'];

const say = (s: string) => process.stderr.write(`${s}\n`);

/** The videos to run: the given ones, else the opencv-doc sample when present, else exit 2. */
export function chooseVideos(given: readonly string[], env = process.env): string[] {
  if (given.length) {
    for (const v of given) if (!existsSync(v)) throw new CliError(`video not found: ${v}`);
    return given.map((v) => path.resolve(v));
  }
  if (!env.PRETAG_DEMO_NO_SAMPLE && existsSync(SAMPLE_VIDEO)) {
    say(`no video given: using opencv-doc's sample ${SAMPLE_VIDEO}`);
    return [SAMPLE_VIDEO];
  }
  throw new CliError(NO_VIDEO_HINT, 2);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function ensureModels(): Promise<void> {
  const dir = packagedModelsDir();
  const missing = MODELS.filter((m) => !existsSync(path.join(dir, `${m}.onnx`)));
  if (!missing.length) return;
  say(`building packaged models on first use (${missing.join(', ')}): this takes a minute or two`);
  const build = await loadModelBuild();
  await build.buildPackagedModels({
    outDir: dir,
    only: missing,
    measure: false,
    progress: build.createProgress(process.stderr),
  });
}

class Interrupted extends Error {}

interface Camera {
  id: string;
  video: string;
  /** The rate frames are decoded at: the video's, capped at the camera's max_fps. */
  fps: number;
  durationSeconds: number;
  pipeline: CameraPipelineLike;
  progress: CameraProgress;
  accepted: number;
  decodedSent: number;
}

/** Waits until `check` is true, the signal fires, or `ms` pass; says which. */
async function until(
  check: () => boolean,
  ms: number,
  signal: AbortSignal,
): Promise<'ok' | 'timeout'> {
  const end = Date.now() + ms;
  while (!check()) {
    if (signal.aborted) throw new Interrupted();
    if (Date.now() > end) return 'timeout';
    await sleep(100);
  }
  return 'ok';
}

export async function runDemo(o: DemoOptions, signal: AbortSignal): Promise<void> {
  const videos = chooseVideos(o.videos);
  const edge: EdgeModules = await loadEdgeModules();
  await ensureModels();
  const out = path.resolve(o.out);
  await mkdir(out, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'pretag-demo-'));
  const cleanup: (() => unknown)[] = [() => rmSync(work, { recursive: true, force: true })];
  const logger = createLogger({
    name: 'demo',
    level: (process.env.PRETAG_LOG_LEVEL as 'warn' | undefined) ?? 'warn',
  });
  let hub: RunningHub | undefined;
  try {
    const token = randomBytes(24).toString('base64url');
    const reviewerToken = randomBytes(24).toString('base64url');
    const apiPort = o.port ?? (await freePort());
    let mqttPort = await freePort();
    // The kernel can hand the just-closed probe port out again: the hub would then fail to bind.
    while (mqttPort === apiPort) mqttPort = await freePort();
    const hubFile = path.join(work, 'hub.yaml');
    writeFileSync(path.join(work, 'tokens.yaml'), tokensYaml(token, reviewerToken), {
      mode: 0o600,
    });
    writeFileSync(hubFile, hubYaml({ apiPort, mqttPort }));
    const hubConfig: HubConfig = loadConfigOrThrow(hubFile, 'hub');
    const bundle = await addDevice(hubConfig, hubFile, DEMO_SITE, DEMO_DEVICE);
    const credentialsFile = path.join(work, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify(bundle), { mode: 0o600 });

    hub = await startHub({ configFile: hubFile, workers: true, logger, print: () => {} });
    const running = hub;
    cleanup.push(() => running.close());
    if (signal.aborted) throw new Interrupted();
    const apiUrl = hub.apiUrl.replace('0.0.0.0', '127.0.0.1');
    say(`hub up: API ${apiUrl}, MQTT ${hub.mqttUrl}`);

    const edgeFile = path.join(work, 'edge.yaml');
    const edgeText = edgeYaml({
      apiUrl,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      prefix: bundle.prefix,
      credentialsFile,
      spoolDir: path.join(work, 'spool'),
      videos,
    });
    writeFileSync(edgeFile, edgeText);
    const parsed = parseConfig(edgeText, edgeFile, 'edge');
    if (!parsed.ok)
      throw new Error(`generated edge.yaml is invalid:\n${formatConfigErrors(parsed.errors)}`);
    const edgeConfig: EdgeConfig = parsed.config;

    const prefilter: EdgeDetector = await edge.openPrefilterDetector(edgeConfig.model, work);
    cleanup.push(() => prefilter.close());
    const face: EdgeDetector = await edge.openFaceDetector(0.5);
    cleanup.push(() => face.close());
    const spool = edge.Spool.open({
      dir: path.join(work, 'spool'),
      maxBytes: 2 ** 30,
      maxAgeS: 7 * 86400,
    });
    cleanup.push(() => spool.close());

    const frameLog = createWriteStream(path.join(out, 'frames.jsonl'));
    cleanup.push(() => new Promise((r) => frameLog.end(r)));
    const ids = cameraIds(videos.length);
    // Probed side by side; with several bad videos the first one given is named, not whichever
    // probe happened to fail first.
    const probes = await Promise.allSettled(videos.map((v) => probe(edge, v)));
    const failed = probes.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const infos = probes.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    // The sinks need the uplink, which needs the cameras' counters: set once both exist.
    const uplinkRef: { current?: UplinkLike } = {};
    let finished = false;
    let statsAfterFinish = 0;
    const cameras: Camera[] = ids.map((id, i) => {
      const video = videos[i] ?? '';
      const info = infos[i] ?? { fps: 0, durationSeconds: 0 };
      const maxFps = resolveCamera(edgeConfig, id).max_fps;
      const cam: Camera = {
        id,
        video,
        fps: Math.min(maxFps, info.fps > 0 ? info.fps : maxFps),
        durationSeconds: info.durationSeconds,
        progress: { camera: id, video: path.basename(video), done: 0, uploaded: 0 },
        accepted: 0,
        decodedSent: 0,
        pipeline: new edge.CameraPipeline({
          camera: id,
          config: () => edgeConfig,
          sourceFps: Math.min(maxFps, info.fps > 0 ? info.fps : maxFps),
          detector: prefilter,
          faceDetector: face,
          sink: async (payload: FramePayload, jpeg: Buffer) => {
            await spool.accept(payload, jpeg);
            cam.accepted++;
            frameLog.write(`${JSON.stringify({ frameId: payload.frameId, camera: id })}\n`);
            uplinkRef.current?.notify();
          },
          seed: i + 1,
        }),
      };
      return cam;
    });

    const countersProvider = (): Record<string, CameraCounters> => {
      const res: Record<string, CameraCounters> = {};
      for (const c of cameras) {
        const d = c.pipeline.decision.counters.take();
        const decoded = c.pipeline.counts.decoded;
        res[c.id] = {
          decoded: decoded - c.decodedSent,
          sampled: d.sampled,
          gated: d.gated,
          inferred: d.inferred,
          uploaded: d.uploaded,
          audited: d.audited,
          motion: d.motion,
          spooledBytes: 0,
          dropped: 0,
        };
        c.decodedSent = decoded;
      }
      if (finished) statsAfterFinish++;
      return res;
    };
    const up: UplinkLike = new edge.Uplink({
      site: DEMO_SITE,
      device: DEMO_DEVICE,
      agentVersion: 'demo',
      cameras: ids,
      spool,
      blobs: new HttpBlobStore({
        hubUrl: apiUrl,
        username: bundle.mqtt.username,
        password: bundle.mqtt.password,
      }),
      mqtt: {
        url: `mqtt://127.0.0.1:${mqttPort}`,
        username: bundle.mqtt.username,
        password: bundle.mqtt.password,
        reconnectMinMs: 250,
      },
      prefix: bundle.prefix,
      statsIntervalMs: 1000,
      countersProvider,
      idlePollMs: 100,
      stopGraceMs: 5000,
    });
    uplinkRef.current = up;
    up.start();
    cleanup.push(() => up.stop());

    // Per-camera uploaded counts come from the frames the uplink has delivered, shared out in
    // proportion to each camera's accepted frames still to go.
    const totalAccepted = () => cameras.reduce((s, c) => s + c.accepted, 0);
    const display = createProgressDisplay(
      process.stderr,
      () => {
        const delivered = up.counters().uploaded;
        const pending = totalAccepted() - delivered;
        return cameras.map((c) => ({
          ...c.progress,
          uploaded:
            pending <= 0
              ? c.accepted
              : Math.min(
                  c.accepted,
                  Math.round((c.accepted / Math.max(1, totalAccepted())) * delivered),
                ),
        }));
      },
      5000,
    );
    cleanup.push(() => display.stop());
    say(`running ${cameras.length} camera${cameras.length === 1 ? '' : 's'} (replay speed):`);
    await Promise.all(cameras.map((c) => runCamera(edge, c, o.maxSeconds, signal)));
    if (signal.aborted) throw new Interrupted();

    // Everything out of the spool, then one more stats message, then the hub has it all.
    const edgeTotal = totalAccepted();
    const sent = await until(
      () => up.counters().uploaded >= edgeTotal && up.counters().queueDepth === 0,
      SETTLE_MS,
      signal,
    );
    display.draw(true);
    display.stop();
    if (sent === 'timeout')
      say(
        `warning: ${edgeTotal - up.counters().uploaded} frames were still in the spool when the wait ended`,
      );
    finished = true;
    const db = running.ledger.db;
    const frameCount = () => db.prepare('SELECT count(*) FROM frames').pluck().get() as number;
    const pendingJobs = () =>
      db
        .prepare("SELECT count(*) FROM jobs WHERE state IN ('queued', 'leased', 'failed')")
        .pluck()
        .get() as number;
    const edgeUploaded = () =>
      db
        .prepare('SELECT coalesce(sum(uploaded), 0) FROM edge_stats WHERE site = ?')
        .pluck()
        .get(DEMO_SITE) as number;
    const localUploaded = () =>
      cameras.reduce((s, c) => s + c.pipeline.decision.counters.current.uploaded, 0);
    say('waiting for the hub to detect every uploaded frame…');
    const settled = await until(
      () => {
        running.flush();
        return (
          statsAfterFinish > 0 &&
          localUploaded() === 0 &&
          edgeUploaded() >= edgeTotal &&
          frameCount() >= up.counters().uploaded &&
          pendingJobs() === 0
        );
      },
      SETTLE_MS,
      signal,
    );
    if (settled === 'timeout')
      say(
        `warning: the hub had not finished when the wait ended (${frameCount()} frames stored, ${pendingJobs()} jobs open)`,
      );

    // Close the batches now (camera-day batches would otherwise close at midnight) and draw QA.
    const cfg = running.config();
    const batches = createBatchRegistry(running.ledger, {
      policy: { groupBy: cfg.batches.group_by as GroupBy, size: cfg.batches.size },
    });
    const now = Date.now();
    batches.assignDetected(now);
    batches.seal(now);
    await running.batchCycle.runNow();

    const written = await writeOutputs({ apiUrl, token, out, hub: running, site: DEMO_SITE });
    for (const line of written.lines) process.stdout.write(`${line}\n`);

    if (o.serve) {
      process.stdout.write(
        `\nhub running at ${apiUrl} (API docs ${apiUrl}/docs)\n` +
          `review and operations pages: ${apiUrl}/ui/ (sign in with a token)\n` +
          `operator token for this session: ${token}\n` +
          `reviewer token for this session: ${reviewerToken}\nCtrl-C stops it.\n`,
      );
      await up.stop();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      say('stopping the hub');
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      say('interrupted: shutting down');
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (err) {
        say(`warning: shutdown step failed: ${(err as Error).message}`);
      }
    }
  }
}

async function probe(
  edge: EdgeModules,
  video: string,
): Promise<{ fps: number; durationSeconds: number }> {
  try {
    return await edge.probeVideo(video);
  } catch (err) {
    throw new CliError(`cannot read video ${video}: ${(err as Error).message}`);
  }
}

async function runCamera(
  edge: EdgeModules,
  c: Camera,
  maxSeconds: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const source = edge.openFrameSource({ input: c.video, fps: c.fps, format: 'rgb24', live: false });
  const duration =
    maxSeconds !== undefined && !(c.durationSeconds > 0 && c.durationSeconds < maxSeconds)
      ? maxSeconds
      : c.durationSeconds;
  const start = Date.now();
  try {
    for await (const raw of source) {
      if (signal.aborted) break;
      if (maxSeconds !== undefined && raw.ptsSeconds >= maxSeconds) break;
      await c.pipeline.process(raw, raw.ptsSeconds, new Date(start + raw.ptsSeconds * 1000));
      if (duration > 0) c.progress.done = Math.min(1, raw.ptsSeconds / duration);
    }
    if (!signal.aborted) c.progress.done = 1;
  } finally {
    await source.stop();
  }
}
