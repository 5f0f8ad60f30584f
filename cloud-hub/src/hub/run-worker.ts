// `pretag hub worker`: a detection-only process for the scale-out shape. It reads the same
// hub.yaml as the hub, joins `$share/{mqtt.external.share_group}/…` on the external broker, fetches
// JPEGs from the configured blob store and posts results back; the hub's ledger decides what
// counts. Cleanup rules follow hub.yaml edits live, as in the hub. It starts on hub.yaml's
// detector and follows the hub's retained production control (a promoted model; see
// ../workers/detector-control.ts). PRETAG_WORKER_MQTT_USERNAME and PRETAG_WORKER_MQTT_PASSWORD_FILE
// (relative to hub.yaml's folder) replace mqtt.external's identity, so the broker can let workers
// only take jobs, post results and read the control, never publish it.
import { CliError } from '@pretag/shared/cli/errors';
import { formatConfigError } from '@pretag/shared/config/errors';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { watchConfigFile } from '@pretag/shared/config/watch';
import type { Detector } from '@pretag/shared/detector/types';
import { createLogger } from '@pretag/shared/log/logger';
import type { Logger } from '@pretag/shared/log/logger';
import { startMqttWorker } from '../workers/mqtt-worker.ts';
import type { RunningMqttWorker } from '../workers/mqtt-worker.ts';
import { rulesForConfig } from '../workers/rules-for.ts';
import { openBlobStore } from './blob-store.ts';
import { openCloudDetector } from './detector.ts';
import { hubPaths } from './paths.ts';
import { promotedDetector } from '../shadow/models.ts';
import { readExternalPassword, readSecretFile } from './secret-file.ts';

export interface StartWorkerOptions {
  configFile: string;
  /** Worker name in results and the MQTT client id (default host:pid:random). */
  name?: string;
  logger?: Logger;
  /** A detector to use instead of opening hub.yaml's (tests); never closed here. */
  detector?: Detector;
  /** Where PRETAG_WORKER_MQTT_* come from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The worker's broker identity: the environment's over hub.yaml's mqtt.external. */
function workerIdentity(
  ext: NonNullable<HubConfig['mqtt']['external']>,
  configDir: string,
  env: NodeJS.ProcessEnv,
): { username?: string; password?: string } {
  const username = env.PRETAG_WORKER_MQTT_USERNAME || ext.username;
  const file = env.PRETAG_WORKER_MQTT_PASSWORD_FILE;
  const password = file
    ? readSecretFile(file, configDir, 'PRETAG_WORKER_MQTT_PASSWORD_FILE')
    : readExternalPassword(ext.password_file, configDir);
  return {
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
  };
}

export interface RunningWorkerProcess {
  readonly worker: RunningMqttWorker;
  close(): Promise<void>;
}

export async function startWorkerProcess(o: StartWorkerOptions): Promise<RunningWorkerProcess> {
  const logger = o.logger ?? createLogger({ name: 'worker' });
  const file = o.configFile;
  let current: HubConfig | undefined;
  const watcher = watchConfigFile(file, 'hub', {
    onChange(next) {
      current = next;
      logger.info({ file }, 'hub.yaml reloaded (cleanup rules apply now)');
    },
    onError(errors) {
      for (const e of errors)
        logger.error({ file }, `${formatConfigError(e)}; keeping the last good config`);
    },
  });
  if (!watcher.current) {
    watcher.close();
    throw new CliError(
      `problems in ${file}:\n${watcher.initialErrors.map(formatConfigError).join('\n')}`,
    );
  }
  const start = watcher.current;
  current = start;
  const ext = start.mqtt.external;
  if (!ext) {
    watcher.close();
    throw new CliError(
      `${file}: hub worker needs mqtt.external (a broker with MQTT 5 shared subscriptions); with the embedded broker the hub runs its detection workers in-process`,
    );
  }
  const paths = hubPaths(start, file);
  // Models this process opened and has not closed yet (the injected test detector never is).
  const own = new Set<Detector>();
  const retire = async (d: Detector): Promise<void> => {
    if (!own.delete(d)) return;
    await d.close();
  };
  try {
    const identity = workerIdentity(ext, paths.configDir, o.env ?? process.env);
    const blobs = openBlobStore(start, paths);
    const detector =
      o.detector ?? (await openCloudDetector(start.detector, paths.configDir, logger));
    if (!o.detector) own.add(detector);
    const worker = await startMqttWorker({
      url: ext.url,
      prefix: start.mqtt.prefix,
      group: ext.share_group,
      concurrency: start.detector.concurrency,
      clientOptions: { ...identity, connectTimeout: 10_000 },
      ...(o.name !== undefined && { name: o.name }),
      blobs,
      detector,
      rulesFor: (camera, at) => rulesForConfig(current ?? start)(camera, at),
      models: {
        // A promoted block replaces hub.yaml's model fields whole and keeps its batching and
        // concurrency, checked as the hub checks it at start; undefined is hub.yaml's own.
        async open(block) {
          let cfg = start.detector;
          if (block) {
            const c = promotedDetector(block, start.detector);
            if (!c.ok) throw new Error(`its settings do not check out: ${c.problem.join('; ')}`);
            cfg = c.detector;
          }
          const d = await openCloudDetector(cfg, paths.configDir, logger);
          own.add(d);
          return d;
        },
        retire,
      },
      logger,
    });
    return {
      worker,
      async close() {
        watcher.close();
        await worker.stop();
        await Promise.all([...own].map(retire));
      },
    };
  } catch (err) {
    watcher.close();
    await Promise.all([...own].map(retire)).catch(() => undefined);
    throw err;
  }
}
