// `pretag hub …`: run the hub, manage device credentials, push threshold overrides to devices.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { loadConfigOrThrow } from '@pretag/shared/config/load';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { registerReportCommand } from './report/command.ts';
import { registerDemoCommand } from './demo/command.ts';
import { addDevice, deviceJson, deviceTable, listDevices, revokeDevice } from './hub/devices.ts';
import { startHub } from './hub/run-hub.ts';
import { startWorkerProcess } from './hub/run-worker.ts';
import { apiBaseUrl } from './hub/urls.ts';

const CONFIG_OPTION = ['-c, --config <file>', 'the hub config', 'hub.yaml'] as const;

function loadHub(file: string): HubConfig {
  return loadConfigOrThrow(file, 'hub');
}

/**
 * Runs until SIGTERM/SIGINT, then shuts down in order and returns (exit 0). A signal during
 * start-up stops the hub as soon as it is up; a second signal exits 1 at once.
 */
async function runUntilSignal(configFile: string, workers: boolean): Promise<void> {
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`pretag: second ${signal}: exiting without a clean shutdown\n`);
      process.exit(1);
    }
    signalled = signal;
    wake?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const hub = await startHub({ configFile, workers });
    if (!signalled) await new Promise<void>((resolve) => (wake = resolve));
    process.stderr.write(`pretag: ${signalled ?? 'signal'}: shutting down\n`);
    await hub.close();
    process.stderr.write('pretag: hub stopped\n');
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

function operatorToken(tokenFile: string | undefined): string {
  const token = tokenFile
    ? readFileSync(tokenFile, 'utf8').trim()
    : (process.env.PRETAG_TOKEN ?? '').trim();
  if (!token)
    throw new CliError(
      'an operator token is needed: set PRETAG_TOKEN or pass --token-file (tokens are not taken on the command line)',
    );
  return token;
}

function number01(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1))
      throw new CliError(`${name}: expected a number between 0 and 1, got "${v}"`);
    return n;
  };
}

interface PushFlags {
  config: string;
  hub?: string;
  tokenFile?: string;
  camera: string;
  minScore?: number;
  minArea?: number;
  auditRate?: number;
}

async function pushConfig(site: string, device: string, f: PushFlags): Promise<void> {
  const base = (f.hub ?? apiBaseUrl(loadHub(f.config), '127.0.0.1')).replace(/\/+$/, '');
  const body = {
    site,
    device,
    camera: f.camera,
    ...(f.minScore !== undefined && { minScore: f.minScore }),
    ...(f.minArea !== undefined && { minArea: f.minArea }),
    ...(f.auditRate !== undefined && { auditRate: f.auditRate }),
  };
  let res: Response;
  try {
    res = await fetch(`${base}/v1/config/push`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${operatorToken(f.tokenFile)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot reach the hub at ${base}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: show it as it is
    }
    throw new CliError(`the hub refused the push (HTTP ${res.status}): ${message.slice(0, 500)}`);
  }
  process.stdout.write(`${text}\n`);
}

export function register(program: Command): void {
  registerReportCommand(program);
  registerDemoCommand(program);
  const hub = program.command('hub').description('Run the cloud hub and manage its devices.');

  hub
    .command('run')
    .description(
      'Run the hub from hub.yaml: broker, ingest, detection, API, batches, QA, retention. Edits to hub.yaml apply live; SIGTERM stops it cleanly.',
    )
    .option(...CONFIG_OPTION)
    .option('--no-workers', 'do not run detection (jobs wait in the queue for workers)')
    .action(async (opts: { config: string; workers: boolean }) => {
      await runUntilSignal(opts.config, opts.workers);
    });

  hub
    .command('worker')
    .description(
      'Run a detection worker only: joins the shared subscription on hub.yaml mqtt.external, reads JPEGs from its blob store and posts results to the hub. SIGTERM finishes in-flight jobs and stops.',
    )
    .option(...CONFIG_OPTION)
    .option('--name <name>', 'worker name in results (default host:pid:random)')
    .addHelpText(
      'after',
      `
It starts on hub.yaml's detector and follows a model an operator promotes (retained
{prefix}/control/detector); if the promoted model will not open it keeps the current one.

Environment:
  PRETAG_WORKER_MQTT_USERNAME       broker user for workers (default mqtt.external.username)
  PRETAG_WORKER_MQTT_PASSWORD_FILE  its password file, relative to hub.yaml's folder
                                    (default mqtt.external.password_file)`,
    )
    .action(async (opts: { config: string; name?: string }) => {
      const w = await startWorkerProcess({
        configFile: opts.config,
        ...(opts.name !== undefined && { name: opts.name }),
      });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      process.stderr.write(`pretag: ${signal}: finishing in-flight detections\n`);
      await w.close();
      process.stderr.write('pretag: worker stopped\n');
    });

  const device = hub.command('device').description('Device credentials (MQTT and API).');
  device
    .command('add')
    .description(
      'Register a device and print its bundle (JSON): broker URL, user name, password (shown once), blob URL, topic prefix and an edge.yaml to start from.',
    )
    .argument('<site>', 'site id')
    .argument('<device>', 'device id')
    .option(...CONFIG_OPTION)
    .option('-o, --out <file>', 'also write the bundle to this file (mode 0600)')
    .action(async (site: string, dev: string, opts: { config: string; out?: string }) => {
      const bundle = await addDevice(loadHub(opts.config), opts.config, site, dev);
      const text = `${JSON.stringify(bundle, null, 2)}\n`;
      if (opts.out) writeFileSync(opts.out, text, { mode: 0o600 });
      process.stdout.write(text);
      process.stderr.write(
        `device ${bundle.mqtt.username} added on ${hostname()}; the password above is not stored anywhere: keep the bundle safe\n`,
      );
    });
  device
    .command('list')
    .description('List devices (no secrets).')
    .option(...CONFIG_OPTION)
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const list = await listDevices(loadHub(opts.config), opts.config);
      process.stdout.write(
        opts.json ? `${JSON.stringify(deviceJson(list), null, 2)}\n` : `${deviceTable(list)}\n`,
      );
    });
  device
    .command('revoke')
    .description(
      'Revoke a device. Its next MQTT connect and next API request are refused; a session already connected to a running hub stays up until it reconnects.',
    )
    .argument('<site>', 'site id')
    .argument('<device>', 'device id')
    .option(...CONFIG_OPTION)
    .action(async (site: string, dev: string, opts: { config: string }) => {
      await revokeDevice(loadHub(opts.config), opts.config, site, dev);
      process.stdout.write(`revoked ${dev}@${site}\n`);
    });

  hub
    .command('push-config')
    .description(
      "Push a camera's threshold overrides to its device through the running hub (retained config message, QoS 1). Needs an operator token in PRETAG_TOKEN or --token-file.",
    )
    .argument('<site>', 'site id')
    .argument('<device>', 'device id')
    .requiredOption('--camera <id>', 'camera id')
    .option('--min-score <x>', 'pre-filter minimum score (0-1)', number01('--min-score'))
    .option(
      '--min-area <x>',
      'pre-filter minimum box area as a fraction of the frame',
      number01('--min-area'),
    )
    .option(
      '--audit-rate <x>',
      'share of rejected frames uploaded for audit (0-1)',
      number01('--audit-rate'),
    )
    .option(...CONFIG_OPTION)
    .option('--hub <url>', 'hub API base URL (default: from hub.yaml, on this machine)')
    .option('--token-file <file>', 'file holding an operator token')
    .action(async (site: string, dev: string, opts: PushFlags) => {
      if (opts.minScore === undefined && opts.minArea === undefined && opts.auditRate === undefined)
        throw new CliError('nothing to push: give --min-score, --min-area or --audit-rate');
      await pushConfig(site, dev, opts);
    });
}
