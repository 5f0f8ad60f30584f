// A real Mosquitto (Debian's `mosquitto` package) on a free loopback port with a temp config,
// never the system service. When the binary is missing, `startMosquitto()` says why and tests
// skip with that reason.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export interface Mosquitto {
  port: number;
  url: string;
  /** Stop the broker (SIGTERM, then SIGKILL); the port stays reserved for start(). */
  stop(): Promise<void>;
  /** Start it again on the same port (its in-memory sessions are gone). */
  start(): Promise<void>;
  /** Stop and remove the temp folder. */
  dispose(): Promise<void>;
}

export type MosquittoStart =
  { ok: true; mosquitto: Mosquitto; reason: '' } | { ok: false; reason: string };

const CANDIDATES = ['mosquitto', '/usr/sbin/mosquitto', '/usr/bin/mosquitto'];

function findBinary(): string | undefined {
  for (const c of CANDIDATES) {
    const r = spawnSync(c, ['-h'], { stdio: 'ignore' });
    // `mosquitto -h` prints usage and exits 3; ENOENT means it is not there.
    if (!r.error) return c;
  }
  return undefined;
}

export { freePort };

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface MosquittoOptions {
  /** Extra mosquitto.conf lines, e.g. the deployment's queue limits (deploy/mosquitto). */
  config?: readonly string[];
}

/** Start Mosquitto; on failure prints `SKIP: …` and returns the reason. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoStart> {
  const bin = findBinary();
  if (!bin) {
    const reason = 'mosquitto is not installed (apt-get install -y mosquitto)';
    console.warn(`SKIP: ${reason}`);
    return { ok: false, reason };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  const start = async (): Promise<void> => {
    output = '';
    const c = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    c.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    for (let i = 0; i < 100; i++) {
      if (c.exitCode !== null) break;
      if (await accepts(port)) return;
      await sleep(50);
    }
    c.kill('SIGKILL');
    throw new Error(`mosquitto did not start on port ${port}: ${output.trim() || 'no output'}`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  };
  try {
    await start();
  } catch (e) {
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    const reason = (e as Error).message;
    console.warn(`SKIP: ${reason}`);
    return { ok: false, reason };
  }
  const mosquitto: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      process.removeListener('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return { ok: true, mosquitto, reason: '' };
}
