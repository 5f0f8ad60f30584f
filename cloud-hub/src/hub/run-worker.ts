// `pretag hub worker`: a detection-only process for the scale-out shape. It reads the same
// hub.yaml as the hub, joins `$share/{mqtt.external.share_group}/…` on the external broker, fetches
// JPEGs from the configured blob store and posts results back; the hub's ledger decides what
// counts. Cleanup rules follow hub.yaml edits live, as in the hub.
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
import { readExternalPassword } from './secret-file.ts';

export interface StartWorkerOptions {
  configFile: string;
  /** Worker name in results and the MQTT client id (default host:pid:random). */
  name?: string;
  logger?: Logger;
  /** A detector to use instead of opening hub.yaml's (tests). */
  detector?: Detector;
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
  let detector: Detector | undefined;
  try {
    const password = readExternalPassword(ext.password_file, paths.configDir);
    const blobs = openBlobStore(start, paths);
    detector = o.detector ?? (await openCloudDetector(start.detector, paths.configDir, logger));
    const worker = await startMqttWorker({
      url: ext.url,
      prefix: start.mqtt.prefix,
      group: ext.share_group,
      concurrency: start.detector.concurrency,
      clientOptions: {
        ...(ext.username !== undefined && { username: ext.username }),
        ...(password !== undefined && { password }),
        connectTimeout: 10_000,
      },
      ...(o.name !== undefined && { name: o.name }),
      blobs,
      detector,
      rulesFor: (camera, at) => rulesForConfig(current ?? start)(camera, at),
      logger,
    });
    const d = detector;
    return {
      worker,
      async close() {
        watcher.close();
        await worker.stop();
        if (!o.detector) await d.close();
      },
    };
  } catch (err) {
    watcher.close();
    if (detector && !o.detector) await detector.close().catch(() => undefined);
    throw err;
  }
}
