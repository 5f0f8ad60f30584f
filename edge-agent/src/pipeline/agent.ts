// The agent (`pretag edge run`): one pipeline per enabled camera into a shared spool, live config
// reload, health endpoints, and a clean stop. A reload applies thresholds at the next frame
// (every frame reads settingsAt on the current config); only cameras whose source changed (url,
// hwaccel, max_fps, rtsp_timeout_s, enabled) are restarted, the rest keep their motion background and state.
// Remote overrides (the hub's config topic) are kept in memory and merged over the file's
// per-camera settings; the file stays the source of truth, and a reload keeps the overrides that
// still validate against it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '@pretag/shared/cli/errors';
import { resolvedEdgeCameraSchema } from '@pretag/shared/config/edge-schema';
import type { EdgeConfig, EdgeOverrides } from '@pretag/shared/config/edge-schema';
import { formatConfigError } from '@pretag/shared/config/errors';
import { formatConfigErrors } from '@pretag/shared/config/load';
import { deepMerge } from '@pretag/shared/config/merge';
import { resolveCamera } from '@pretag/shared/config/resolve';
import { watchConfigFile } from '@pretag/shared/config/watch';
import type { ConfigWatcher } from '@pretag/shared/config/watch';
import type { Detector } from '@pretag/shared/detector/types';
import type { Logger } from '@pretag/shared/log/logger';
import type { CameraCounters, CameraOverrides, ConfigPayload } from '@pretag/shared/mqtt/payloads';
import { startHealthServer } from '../health/health-server.ts';
import type { HealthServer } from '../health/health-server.ts';
import type { AgentHealth, CameraHealth } from '../health/snapshot.ts';
import { LazyDetector } from '../privacy/lazy-detector.ts';
import { Spool, spoolOptionsFromConfig } from '../spool/index.ts';
import { sourceOptionsFor } from './camera-input.ts';
import { CameraRunner } from './camera-runner.ts';
import { openFaceDetector, openPrefilterDetector } from './models.ts';
import { anyCameraRedacts } from './redaction-need.ts';
import { startUplinkIfPossible } from './uplink-hook.ts';
import type { UplinkHandle } from './uplink-hook.ts';

export interface AgentOptions {
  configFile: string;
  logger: Logger;
  /** Overrides health.port (tests use 0 for any free port). */
  healthPort?: number;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Pure: a remote override message in edge.yaml's per-camera layer form. */
export function overrideLayer(o: CameraOverrides): EdgeOverrides {
  const prefilter = {
    ...(o.minScore !== undefined && { min_score: o.minScore }),
    ...(o.minArea !== undefined && { min_area: o.minArea }),
    ...(o.maxArea !== undefined && { max_area: o.maxArea }),
    ...(o.classes !== undefined && { classes: o.classes }),
  };
  const motion = {
    ...(o.motionThreshold !== undefined && { threshold: o.motionThreshold }),
    ...(o.motionMinArea !== undefined && { min_area: o.motionMinArea }),
  };
  return {
    ...(Object.keys(prefilter).length > 0 && { prefilter }),
    ...(Object.keys(motion).length > 0 && { motion }),
    ...(o.auditRate !== undefined && { audit_rate: o.auditRate }),
  };
}

/**
 * Pure: `file` with each camera's remote overrides merged over it. Overrides for a camera the
 * file does not have, or that would make its settings invalid, are left out and reported.
 */
export function withRemoteOverrides(
  file: EdgeConfig,
  remote: Readonly<Record<string, CameraOverrides>>,
): { config: EdgeConfig; kept: Record<string, CameraOverrides>; rejected: string[] } {
  const cameras = { ...file.cameras };
  const kept: Record<string, CameraOverrides> = {};
  const rejected: string[] = [];
  for (const [id, o] of Object.entries(remote)) {
    const cam = cameras[id];
    if (!cam) {
      rejected.push(`camera ${id}: not in edge.yaml`);
      continue;
    }
    const merged = deepMerge(cam, overrideLayer(o));
    const check = resolvedEdgeCameraSchema.safeParse(deepMerge(file.defaults, merged));
    if (!check.success) {
      const i = check.error.issues[0];
      rejected.push(`camera ${id}: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`);
      continue;
    }
    cameras[id] = merged;
    kept[id] = o;
  }
  return { config: { ...file, cameras }, kept, rejected };
}

/** What about a camera needs a new source when it changes. */
function sourceKey(config: EdgeConfig, id: string): string | undefined {
  if (!(id in config.cameras)) return undefined;
  const c = resolveCamera(config, id);
  return c.enabled ? JSON.stringify([c.url, c.hwaccel, c.max_fps, c.rtsp_timeout_s]) : undefined;
}

export class Agent {
  readonly #o: AgentOptions;
  readonly #log: Logger;
  /** The config in force: the file's, with the remote overrides merged over it. */
  #config: EdgeConfig;
  #fileConfig: EdgeConfig;
  #remote: Record<string, CameraOverrides> = {};
  readonly #watcher: ConfigWatcher<EdgeConfig>;
  readonly #runners = new Map<string, CameraRunner>();
  readonly #startedAt = Date.now();
  #detector: Detector | undefined;
  /** Opened at start when a camera redacts, else on the first frame that needs it. */
  readonly #face = new LazyDetector(() => openFaceDetector(0.5));
  #spool: Spool | undefined;
  #health: HealthServer | undefined;
  #uplink: UplinkHandle | undefined;
  #reloads = 0;
  #reloadErrors = 0;
  #lastConfigError: string | null = null;
  #loadedAt = new Date();
  #stopping: Promise<void> | undefined;

  private constructor(o: AgentOptions, watcher: ConfigWatcher<EdgeConfig>, config: EdgeConfig) {
    this.#o = o;
    this.#log = o.logger;
    this.#watcher = watcher;
    this.#config = config;
    this.#fileConfig = config;
  }

  /** Loads the config and starts everything; a bad config or missing model is a CliError. */
  static async start(o: AgentOptions): Promise<Agent> {
    // The watcher's callbacks reach the agent once it exists (they only fire on later edits).
    const ref: { agent?: Agent } = {};
    const watcher = watchConfigFile(o.configFile, 'edge', {
      onChange: (config) => ref.agent?.applyConfig(config),
      onError: (errors) => ref.agent?.configRejected(errors.map(formatConfigError)),
    });
    const config = watcher.current;
    if (!config) {
      watcher.close();
      const errors = watcher.initialErrors;
      throw new CliError(
        `${errors.length} problem${errors.length === 1 ? '' : 's'} in ${o.configFile}:\n${formatConfigErrors(errors)}`,
      );
    }
    const agent = new Agent(o, watcher, config);
    ref.agent = agent;
    try {
      await agent.#open();
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  get healthPort(): number | undefined {
    return this.#health?.port;
  }

  async #open(): Promise<void> {
    const config = this.#config;
    const configDir = path.dirname(path.resolve(this.#o.configFile));
    this.#detector = await openPrefilterDetector(config.model, configDir);
    this.#log.info(
      { model: this.#detector.info.file, providers: this.#detector.info.providersUsed },
      'pre-filter detector ready',
    );
    if (anyCameraRedacts(config)) {
      await this.#face.ready();
      this.#log.info('face detector ready');
    } else this.#log.info('no camera redacts faces: face detector not loaded');
    this.#spool = Spool.open({ ...spoolOptionsFromConfig(config.spool), log: this.#log });
    for (const id of Object.keys(config.cameras)) this.#startCamera(id);
    this.#health = await startHealthServer(
      config.health.host,
      this.#o.healthPort ?? config.health.port,
      () => this.snapshot(),
    );
    this.#log.info(
      { url: `http://${config.health.host}:${this.#health.port}/healthz` },
      'health endpoints listening',
    );
    this.#uplink = startUplinkIfPossible({
      config: () => this.#config,
      spool: this.#spool,
      logger: this.#log,
      counters: () => this.#statsCounters(),
      onRemoteConfig: (p) => this.applyRemoteConfig(p),
      agentVersion: VERSION,
      configDir,
    });
  }

  #startCamera(id: string): void {
    if (sourceKey(this.#config, id) === undefined) return;
    const cam = resolveCamera(this.#config, id);
    const detector = this.#detector;
    const spool = this.#spool;
    if (!detector || !spool) return;
    const runner = new CameraRunner({
      source: sourceOptionsFor(cam, cam.max_fps),
      logger: this.#log,
      pipeline: {
        camera: id,
        config: () => this.#config,
        sourceFps: cam.max_fps,
        detector,
        faceDetector: this.#face,
        logger: this.#log,
        // Frames the spool drops to make room are counted by the spool (health: spool.dropped).
        sink: async (payload, jpeg) => {
          await spool.accept(payload, jpeg);
          this.#uplink?.notify();
        },
      },
    });
    this.#runners.set(id, runner);
    runner.start();
    this.#log.info({ camera: id, url: cam.url, fps: cam.max_fps }, 'camera started');
  }

  /** Remote overrides (one message carries the device's whole set): apply at the next frame. */
  applyRemoteConfig(p: ConfigPayload): void {
    const { config, kept, rejected } = withRemoteOverrides(this.#fileConfig, p.cameras);
    for (const r of rejected) this.#log.warn(`remote override ignored: ${r}`);
    this.#remote = kept;
    this.#config = config;
    this.#log.info(
      { issuedAt: p.issuedAt, cameras: Object.keys(kept) },
      'remote overrides applied',
    );
  }

  /** A good edit: restart only the cameras whose source changed. */
  applyConfig(file: EdgeConfig): void {
    const prev = this.#config;
    const { config: next, kept, rejected } = withRemoteOverrides(file, this.#remote);
    for (const r of rejected) this.#log.warn(`remote override dropped after reload: ${r}`);
    this.#fileConfig = file;
    this.#remote = kept;
    this.#config = next;
    this.#reloads++;
    this.#loadedAt = new Date();
    this.#lastConfigError = null;
    const ids = new Set([...Object.keys(prev.cameras), ...Object.keys(next.cameras)]);
    const restarted: string[] = [];
    for (const id of ids) {
      if (sourceKey(prev, id) === sourceKey(next, id)) continue;
      restarted.push(id);
      const old = this.#runners.get(id);
      this.#runners.delete(id);
      void (async () => {
        await old?.stop();
        if (this.#stopping) return;
        this.#startCamera(id);
      })();
    }
    if (JSON.stringify(prev.model) !== JSON.stringify(next.model))
      this.#log.warn('model settings changed: they apply after a restart of the agent');
    if (JSON.stringify(prev.hub) !== JSON.stringify(next.hub))
      this.#log.warn('hub settings changed: they apply after a restart of the agent');
    if (JSON.stringify(prev.health) !== JSON.stringify(next.health))
      this.#log.warn('health settings changed: they apply after a restart of the agent');
    this.#log.info({ file: this.#o.configFile, restarted }, 'config reloaded');
  }

  /** A bad edit: say where, keep running on the last good config. */
  configRejected(messages: string[]): void {
    this.#reloadErrors++;
    this.#lastConfigError = messages.join('\n');
    for (const m of messages)
      this.#log.error(
        { file: this.#o.configFile },
        `config edit rejected, keeping the last good config: ${m}`,
      );
  }

  /** Cumulative per-camera counters in the stats topic's form. */
  #statsCounters(): Record<string, CameraCounters> {
    const out: Record<string, CameraCounters> = {};
    for (const [id, c] of Object.entries(this.snapshot().cameras)) {
      const k = c.counters;
      out[id] = {
        decoded: k.decoded,
        sampled: k.sampled,
        gated: k.gated,
        inferred: k.inferred,
        uploaded: Math.max(0, k.uploaded),
        audited: k.audited,
        motion: k.motion,
        spooledBytes: k.uploadedBytes,
        dropped: 0, // the spool counts drops per reason, not per camera (health: spool.dropped)
      };
    }
    return out;
  }

  snapshot(): AgentHealth {
    const cameras: Record<string, CameraHealth> = {};
    const now = Date.now();
    for (const [id, r] of this.#runners) {
      const p = r.pipeline;
      const c = p.decision.counters.current;
      const s = p.lastSettings;
      cameras[id] = {
        state: r.state,
        lastFrameAgoS: p.lastFrameAt === undefined ? null : (now - p.lastFrameAt) / 1000,
        fps: p.currentFps ?? null,
        restarts: r.restarts,
        lastError: r.lastError ?? null,
        thresholds: s
          ? {
              minScore: s.prefilter.min_score,
              motionThreshold: s.motion.threshold,
              motionMinArea: s.motion.min_area,
            }
          : null,
        counters: {
          decoded: p.counts.decoded,
          sampled: c.sampled,
          gated: c.gated,
          inferred: c.inferred,
          uploaded: c.uploaded - p.counts.redactionDropped - p.counts.sinkFailed,
          audited: c.audited,
          motion: c.motion,
          redactionDropped: p.counts.redactionDropped,
          sinkFailed: p.counts.sinkFailed,
          frameErrors: p.errors.total,
          uploadedBytes: p.counts.uploadedBytes,
          inferenceSeconds: p.counts.inferenceMs / 1000,
        },
      };
    }
    let spool: AgentHealth['spool'] = null;
    try {
      const st = this.#spool?.stats();
      if (st)
        spool = {
          items: st.items,
          bytes: st.bytes,
          dropped: Object.values(st.dropped).reduce((a, b) => a + b, 0),
        };
    } catch {
      // closed during shutdown
    }
    return {
      site: this.#config.site,
      device: this.#config.device,
      version: VERSION,
      uptimeS: (now - this.#startedAt) / 1000,
      config: {
        file: path.resolve(this.#o.configFile),
        loadedAt: this.#loadedAt.toISOString(),
        reloads: this.#reloads,
        reloadErrors: this.#reloadErrors,
        lastError: this.#lastConfigError,
      },
      uplink: this.#uplink ? 'running' : 'absent',
      spool,
      cameras,
    };
  }

  /** Stops sources, lets frames in flight reach the spool, then closes everything. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#watcher.close();
      await Promise.allSettled([...this.#runners.values()].map((r) => r.stop()));
      // Final per-camera counts (frames handed to the spool: counters.uploaded), for the record.
      this.#log.info({ cameras: this.snapshot().cameras }, 'cameras stopped');
      await this.#uplink
        ?.stop()
        .catch((err: unknown) => this.#log.error({ err: String(err) }, 'uplink stop failed'));
      await this.#spool?.close();
      await this.#health?.close();
      await this.#detector?.close();
      await this.#face.close();
    })();
    return this.#stopping;
  }
}
