// `pretag hub run`: assembles the hub from hub.yaml. Start order: config, ledger (WAL), device
// registry, blob store, broker (embedded, with a fresh hub credential) or the external one,
// ingest, detection (in-process workers, or the dispatcher for external workers), API, stored
// device configs republished, batch + QA cycle, retention, live reload. close() undoes it in
// the safe order: stop accepting (API, ingest), hand back or finish in-flight jobs, stop the
// periodic jobs, close the broker, close the ledger.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { CliError } from '@pretag/shared/cli/errors';
import { formatConfigError } from '@pretag/shared/config/errors';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { siteTimezone } from '@pretag/shared/config/resolve';
import { watchConfigFile } from '@pretag/shared/config/watch';
import type { Detector } from '@pretag/shared/detector/types';
import type { BlobStore } from '@pretag/shared/blob/store';
import { createLogger } from '@pretag/shared/log/logger';
import type { Logger } from '@pretag/shared/log/logger';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';
import { buildApi } from '../api/build-api.ts';
import { loadTokensFile } from '../auth/tokens-file.ts';
import type { TokenEntry } from '../auth/tokens-file.ts';
import { createBatchRegistry } from '../batches/registry.ts';
import type { GroupBy } from '../batches/grouping.ts';
import { startBroker } from '../broker/broker.ts';
import type { HubCredentials, RunningBroker } from '../broker/broker.ts';
import { DeviceRegistry } from '../broker/device-registry.ts';
import type { DeviceRegistryOptions } from '../broker/device-registry.ts';
import { embeddedBrokerSettings } from '../broker/from-config.ts';
import { deviceUsername } from '../broker/usernames.ts';
import { pricesFromConfig } from '../costs/report.ts';
import { startIngest } from '../ingest/subscriber.ts';
import { ingestSessionOptions } from '../ingest/session.ts';
import type { IngestMetrics } from '../ingest/metrics.ts';
import { openLedger } from '../ledger/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { startRetentionJob } from '../retention/job.ts';
import type { RetentionJob } from '../retention/job.ts';
import { startDispatcher } from '../workers/dispatcher.ts';
import type { RunningDispatcher } from '../workers/dispatcher.ts';
import { rulesForConfig } from '../workers/rules-for.ts';
import { startWorker } from '../workers/worker-loop.ts';
import type { RunningWorker } from '../workers/worker-loop.ts';
import { startBatchCycle } from './batch-cycle.ts';
import type { BatchCycle } from './batch-cycle.ts';
import { openBlobStore } from './blob-store.ts';
import { configPushPlugin } from './config-push-route.ts';
import { createDeviceConfigs } from './device-configs.ts';
import type { DeviceConfigs } from './device-configs.ts';
import { openCloudDetector } from './detector.ts';
import { hubPaths } from './paths.ts';
import type { HubPaths } from './paths.ts';
import { reloadDiff } from './reload.ts';
import { loopSettingsFromConfig } from '../quality/settings.ts';
import {
  createModelControl,
  inProcessProduction,
  promotedDetector,
  promotedDetectorBlock,
} from '../shadow/models.ts';
import type { ModelControl } from '../shadow/models.ts';
import { startShadowRunner } from '../shadow/runner.ts';
import type { ShadowRunner } from '../shadow/runner.ts';
import { createSwitchableDetector } from '../shadow/switchable.ts';
import { startWorkerModels } from '../shadow/worker-models.ts';
import type { WorkerModels } from '../shadow/worker-models.ts';
import { apiBaseUrl, deviceMqttUrl, listenerUrl } from './urls.ts';
import { readExternalPassword } from './secret-file.ts';

export interface StartHubOptions {
  configFile: string;
  logger?: Logger;
  /** Where the startup lines go (default stdout). */
  print?: (line: string) => void;
  /**
   * Run in-process detection workers (default true with the embedded broker). External workers
   * take the jobs instead when hub.yaml names an external broker.
   */
  workers?: boolean;
  /** A detector to use instead of opening hub.yaml's (tests). */
  detector?: Detector;
  /** A shadow candidate to use instead of opening hub.yaml's shadow.model (tests). */
  shadowDetector?: Detector;
  /** Shadow step period (default 2 s). */
  shadowIntervalMs?: number;
  /** Device password hashing cost (tests may lower it); the registry's default otherwise. */
  scrypt?: DeviceRegistryOptions['scrypt'];
  /** Batch/QA step and retention periods. */
  batchIntervalMs?: number;
  retentionIntervalMs?: number;
  /** Debounce for hub.yaml changes (default 150 ms). */
  reloadDebounceMs?: number;
}

export interface RunningHub {
  readonly paths: HubPaths;
  readonly apiUrl: string;
  readonly mqttUrl: string;
  readonly ledger: Ledger;
  readonly blobs: BlobStore;
  readonly configs: DeviceConfigs;
  readonly retention: RetentionJob;
  readonly batchCycle: BatchCycle;
  /** The config in force (the last good hub.yaml). */
  config(): HubConfig;
  /** Ingest counters (messages, frames stored, duplicates, refusals by reason). */
  ingest(): IngestMetrics;
  /** Frames waiting in ingest are written now. */
  flush(): void;
  close(): Promise<void>;
}

function hubCredentials(): HubCredentials {
  return {
    username: `pretag-hub-${randomBytes(4).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
}

/** Runs `steps` in order, each even when an earlier one failed; throws the first failure. */
async function inOrder(steps: readonly (() => unknown)[]): Promise<void> {
  let first: Error | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  if (first) throw first;
}

/**
 * The promoted model when its stored settings still check out and open; otherwise hub.yaml's,
 * with an error logged, so a model file gone missing or a settings change between versions
 * cannot keep the hub from starting.
 */
async function openProductionDetector(
  promoted: Record<string, unknown> | undefined,
  fromConfig: HubConfig['detector'],
  configDir: string,
  logger: Logger,
): Promise<Detector> {
  if (promoted) {
    const parsed = promotedDetector(promoted, fromConfig);
    if (!parsed.ok)
      logger.error(
        { problem: parsed.problem },
        "the promoted model's stored settings no longer check out; running hub.yaml's detector",
      );
    else
      try {
        return await openCloudDetector(parsed.detector, configDir, logger);
      } catch (e) {
        logger.error(
          { err: (e as Error).message },
          "the promoted model did not open; running hub.yaml's detector",
        );
      }
  }
  return openCloudDetector(fromConfig, configDir, logger);
}

export async function startHub(o: StartHubOptions): Promise<RunningHub> {
  const logger = o.logger ?? createLogger({ name: 'hub' });
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const file = o.configFile;

  // Config first: a bad file stops here with every problem listed as file:line:col key.
  let current: HubConfig | undefined;
  const watcher = watchConfigFile(file, 'hub', {
    ...(o.reloadDebounceMs !== undefined && { debounceMs: o.reloadDebounceMs }),
    onChange(next, prev) {
      const base = prev ?? current;
      current = next;
      const d = base ? reloadDiff(base, next) : { applied: [], needRestart: [] };
      logger.info({ file, applied: d.applied }, 'hub.yaml reloaded');
      if (d.needRestart.length)
        logger.warn(
          { file, sections: d.needRestart },
          'these hub.yaml sections changed but take effect only after a restart',
        );
    },
    onError(errors) {
      for (const e of errors)
        logger.error(
          { file, line: e.line, key: e.path },
          `${formatConfigError(e)}; keeping the last good config`,
        );
    },
  });
  if (!watcher.current) {
    watcher.close();
    const n = watcher.initialErrors.length;
    throw new CliError(
      `${n} problem${n === 1 ? '' : 's'} in ${file}:\n${watcher.initialErrors.map(formatConfigError).join('\n')}`,
    );
  }
  current = watcher.current;
  const start = current;
  const config = (): HubConfig => current ?? start;
  const paths = hubPaths(start, file);

  const undo: (() => unknown)[] = [() => watcher.close()];
  const fail = async (err: unknown): Promise<never> => {
    await inOrder(undo.reverse()).catch(() => undefined);
    throw err;
  };

  try {
    mkdirSync(paths.dataDir, { recursive: true });
    const ledger = openLedger(paths.dbFile);
    undo.push(() => ledger.close());
    const registry = new DeviceRegistry(ledger.db, o.scrypt ? { scrypt: o.scrypt } : {});
    const blobs = openBlobStore(start, paths);

    // Broker: embedded (with a credential made now, known only to this process) or external.
    const creds = hubCredentials();
    let broker: RunningBroker | undefined;
    let brokerUrl: string;
    let clientAuth: { username?: string; password?: string };
    const embedded = await embeddedBrokerSettings(start.mqtt, paths.configDir);
    if (embedded) {
      broker = await startBroker({
        ...embedded,
        registry,
        hubCredentials: creds,
        logger: logger.child({ part: 'broker' }),
      });
      const b = broker;
      undo.push(() => b.close());
      brokerUrl = `mqtt://127.0.0.1:${broker.port}`;
      clientAuth = creds;
    } else {
      const ext = start.mqtt.external;
      if (!ext) throw new Error('hub.yaml: no broker configured');
      brokerUrl = ext.url;
      const password = readExternalPassword(ext.password_file, paths.configDir);
      clientAuth = {
        ...(ext.username !== undefined && { username: ext.username }),
        ...(password !== undefined && { password }),
      };
    }
    const clients: MqttClient[] = [];
    const connect = async (role: string): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(brokerUrl, {
        ...clientAuth,
        clientId: `${clientAuth.username ?? 'pretag-hub'}-${role}-${randomBytes(3).toString('hex')}`,
        protocolVersion: embedded ? 4 : 5,
        reconnectPeriod: 1_000,
        connectTimeout: 10_000,
      });
      clients.push(c);
      undo.push(() => c.endAsync());
      return c;
    };
    // External broker: ingest keeps one persistent session (stable client id), so frames devices
    // publish while the hub is down or restarting are queued by the broker, not dropped. Ingest
    // connects itself, to be listening before the queued messages arrive.
    const ext = embedded ? undefined : start.mqtt.external;
    const ingest = await startIngest({
      ledger,
      ...(ext
        ? {
            url: brokerUrl,
            clientOptions: {
              ...clientAuth,
              ...ingestSessionOptions(ext, start.mqtt.prefix),
              reconnectPeriod: 1_000,
              connectTimeout: 10_000,
            },
          }
        : { client: await connect('ingest') }),
      prefix: start.mqtt.prefix,
      logger: logger.child({ part: 'ingest' }),
    });
    undo.push(() => ingest.close());
    const ingestClient = ingest.client;

    // Detection: in-process workers with the embedded broker; a dispatcher feeding external
    // workers (MQTT 5 shared subscription) with an external one. Either way the hub opens the
    // shadow candidate itself: the shadow runner compares it with the production boxes in the
    // ledger, whoever detected them.
    let workers: RunningWorker | undefined;
    let dispatcher: RunningDispatcher | undefined;
    let workerModels: WorkerModels | undefined;
    let detector: Detector | undefined;
    let models: ModelControl | undefined;
    let shadow: ShadowRunner | undefined;
    // Every model this hub opened itself, whichever is in production by then, closes at the end.
    const own: Detector[] = [];
    const closeModels = async (): Promise<void> => {
      await Promise.all(own.splice(0).map((d) => d.close()));
    };
    undo.push(() => closeModels());
    const share = () => config().shadow?.share ?? 0;
    const openCandidate = async () => {
      if (!start.shadow) return undefined;
      // Batching and concurrency are hub.yaml's detector's; the model fields are the candidate's.
      const runSettings = { batch: start.detector.batch, concurrency: start.detector.concurrency };
      const block = { ...start.shadow.model, min_score: start.shadow.min_score };
      const cd =
        o.shadowDetector ??
        (await openCloudDetector({ ...block, ...runSettings }, paths.configDir, logger));
      if (!o.shadowDetector) own.push(cd);
      return { detector: cd, block };
    };
    const runWorkers = o.workers ?? true;
    if (runWorkers && embedded) {
      // A model promoted through the API stays in production over hub.yaml's detector block.
      detector =
        o.detector ??
        (await openProductionDetector(
          promotedDetectorBlock(ledger),
          start.detector,
          paths.configDir,
          logger,
        ));
      if (!o.detector) own.push(detector);
      const production = createSwitchableDetector(detector);
      models = createModelControl({
        ledger,
        production: inProcessProduction(production),
        candidate: await openCandidate(),
        share,
      });
      workers = startWorker({
        ledger,
        blobs,
        detector: production,
        rulesFor: (camera, at) => rulesForConfig(config())(camera, at),
        concurrency: start.detector.concurrency,
        maxFrames: start.detector.batch.max_frames,
        maxWaitMs: start.detector.batch.max_wait_ms,
        logger: logger.child({ part: 'worker' }),
      });
      const w = workers;
      undo.push(() => w.stop());
    } else if (runWorkers && start.mqtt.external) {
      const c = await connect('dispatch');
      // The production control goes out on the dispatcher's connection, before its first job:
      // one connection keeps a promotion ahead of the jobs published after it.
      workerModels = await startWorkerModels({
        ledger,
        client: c,
        prefix: start.mqtt.prefix,
        fromConfig: start.detector,
        logger: logger.child({ part: 'models' }),
      });
      const wm = workerModels;
      undo.push(() => wm.close());
      models = createModelControl({
        ledger,
        production: wm.production,
        candidate: await openCandidate(),
        share,
        workers: () => wm.workers(),
      });
      dispatcher = await startDispatcher({
        ledger,
        client: c,
        prefix: start.mqtt.prefix,
        maxOutstanding: start.mqtt.external.max_outstanding_jobs,
        logger: logger.child({ part: 'dispatch' }),
      });
      const d = dispatcher;
      undo.push(() => d.close());
    }
    if (models) {
      const m = models;
      shadow = startShadowRunner({
        ledger,
        blobs,
        candidate: () => m.candidateDetector(),
        productionModel: () => m.production().model,
        share,
        rulesFor: (camera, at) => rulesForConfig(config())(camera, at),
        ...(o.shadowIntervalMs !== undefined && { intervalMs: o.shadowIntervalMs }),
        logger: logger.child({ part: 'shadow' }),
      });
      const sr = shadow;
      undo.push(() => sr.stop());
    }

    const deviceActive = (ref: DeviceRef): boolean => {
      let username: string;
      try {
        username = deviceUsername(ref);
      } catch {
        return false;
      }
      return registry.list().some((d) => d.username === username && d.revokedAt === null);
    };
    const configs = createDeviceConfigs({
      db: ledger.db,
      prefix: start.mqtt.prefix,
      publisher: () => (ingestClient.connected ? ingestClient : undefined),
      deviceActive,
    });

    const batches = createBatchRegistry(ledger, {
      policy: { groupBy: start.batches.group_by as GroupBy, size: start.batches.size },
      timeZoneOf: (site) => siteTimezone(config(), site),
    });
    const tokens: TokenEntry[] = start.auth.tokens_file
      ? await loadTokensFile(path.resolve(paths.configDir, start.auth.tokens_file))
      : [];
    if (tokens.length === 0)
      logger.warn('no API tokens (hub.yaml auth.tokens_file): only devices can use the API');
    const https = start.listen.tls
      ? {
          key: readFileSync(path.resolve(paths.configDir, start.listen.tls.key)),
          cert: readFileSync(path.resolve(paths.configDir, start.listen.tls.cert)),
          ...(start.listen.tls.ca && {
            ca: readFileSync(path.resolve(paths.configDir, start.listen.tls.ca)),
          }),
        }
      : undefined;
    const app = buildApi({
      ledger,
      blobStore: blobs,
      registry,
      tokens,
      logger: logger.child({ part: 'api' }),
      prices: pricesFromConfig(start.costs, start.retention),
      batches,
      loop: { ...loopSettingsFromConfig(start), models },
      ...(start.public_url && { publicUrl: start.public_url }),
      ...(https && { https }),
    });
    await app.register(configPushPlugin, { configs, ledger });
    await app.listen({ host: start.listen.host, port: start.listen.port });
    undo.push(() => app.close());
    const apiPort = (app.server.address() as { port: number } | null)?.port ?? start.listen.port;

    const republished = await configs.republishAll();
    if (republished) logger.info({ devices: republished }, 'device configs republished (retained)');

    const batchCycle = startBatchCycle({
      ledger,
      blobs,
      batches,
      config,
      ...(o.batchIntervalMs !== undefined && { intervalMs: o.batchIntervalMs }),
      logger: logger.child({ part: 'batches' }),
    });
    undo.push(() => batchCycle.stop());
    const retention = startRetentionJob({
      ledger,
      blobs,
      days: () => config().retention.frames_days,
      ...(o.retentionIntervalMs !== undefined && { intervalMs: o.retentionIntervalMs }),
      logger: logger.child({ part: 'retention' }),
    });
    undo.push(() => retention.stop());

    const host = hostname();
    const scheme = start.listen.tls ? 'https' : 'http';
    print(
      `API   ${listenerUrl(scheme, start.listen.host, apiPort)}  (devices and tools: ${apiBaseUrl(start, host, apiPort)})`,
    );
    if (broker) {
      print(
        `MQTT  ${listenerUrl('mqtt', broker.host, broker.port)}  (devices: ${deviceMqttUrl(start, host)})`,
      );
      if (broker.tlsPort !== undefined)
        print(`MQTT  ${listenerUrl('mqtts', broker.host, broker.tlsPort)}`);
    } else print(`MQTT  external broker ${brokerUrl}`);
    print(`data  ${paths.dataDir}  (ledger ${paths.dbFile}; blobs ${paths.blobDir ?? 'in Azure'})`);
    const inForce = models?.production().model ?? '';
    print(
      `detection  ${detector ? `${inForce} in-process` : dispatcher ? `${inForce} on external workers` : 'off'}`,
    );
    const cand = models?.candidate();
    if (cand) print(`shadow     ${cand.model} on ${Math.round(cand.share * 100)} % of frames`);

    let closing: Promise<void> | undefined;
    return {
      paths,
      apiUrl: `${scheme}://127.0.0.1:${apiPort}`,
      mqttUrl: broker ? `mqtt://127.0.0.1:${broker.port}` : brokerUrl,
      ledger,
      blobs,
      configs,
      retention,
      batchCycle,
      config,
      ingest: () => ingest.metrics(),
      flush: () => ingest.flush(),
      close() {
        closing ??= (async () => {
          watcher.close();
          await inOrder([
            // Stop accepting: HTTP first, then MQTT intake (ingest writes what it holds).
            () => app.close(),
            () => ingest.close(),
            // In-flight detections finish; leases not started go back to the queue.
            () => workers?.stop(),
            () => shadow?.stop(),
            () => dispatcher?.close(),
            () => workerModels?.close(),
            () => batchCycle.stop(),
            () => retention.stop(),
            ...clients.map((c) => () => c.endAsync()),
            () => broker?.close(),
            () => closeModels(),
            () => ledger.close(),
          ]);
        })();
        return closing;
      },
    };
  } catch (err) {
    return fail(err);
  }
}
