// A real Azurite blob service for tests: started on a free loopback port in a temp folder, killed
// (its whole process group) on stop or when the test process exits. When it cannot be started
// (no package, no registry), `startAzurite()` says why and tests skip with that reason.
//
// Where Azurite comes from, first match wins: $PRETAG_AZURITE_BLOB (a path to `azurite-blob`),
// the repo's node_modules/.bin/azurite-blob, else `npm exec` of the pinned version, which
// downloads it into the npm cache once.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';
import { repoRoot } from './media.ts';

export const AZURITE_VERSION = '3.37.0';
/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  port: number;
  /** `http://127.0.0.1:{port}/devstoreaccount1` */
  blobEndpoint: string;
  connectionString: string;
  /** Folder Azurite keeps its data in; removed by stop(). */
  location: string;
  stop(): Promise<void>;
}

export type AzuriteStart =
  { ok: true; azurite: Azurite; reason: '' } | { ok: false; reason: string };

// A first `npm exec` downloads the package (about a minute here); later starts take seconds.
const START_TIMEOUT_MS = Number(process.env.PRETAG_AZURITE_START_MS ?? 110_000);

function command(): { cmd: string; args: string[] } {
  const fromEnv = process.env.PRETAG_AZURITE_BLOB;
  if (fromEnv) return { cmd: fromEnv, args: [] };
  const local = path.join(repoRoot, 'node_modules', '.bin', 'azurite-blob');
  if (existsSync(local)) return { cmd: local, args: [] };
  return {
    cmd: 'npm',
    args: [
      'exec',
      '--yes',
      '--prefer-offline',
      `--package=azurite@${AZURITE_VERSION}`,
      '--',
      'azurite-blob',
    ],
  };
}

/** True once anything answers HTTP on the port (Azurite answers 400/403 to a bare GET). */
async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/${DEV_ACCOUNT}?comp=list`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the group: npm and the node process it started
  } catch {
    /* already gone */
  }
}

async function startOnce(location: string): Promise<AzuriteStart & { retry?: boolean }> {
  const port = await freePort();
  const { cmd, args } = command();
  const child = spawn(
    cmd,
    [
      ...args,
      '--location',
      location,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      '--disableTelemetry',
    ],
    {
      cwd: location, // keeps npm exec out of the repo's workspaces
      detached: true, // own process group, so stop() reaches the grandchild too
      stdio: ['ignore', 'pipe', 'pipe'],
      // Azurite 3 needs Node >= 22: put this Node first for its `#!/usr/bin/env node`.
      env: {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
      },
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  let spawnError = '';
  child.once('error', (e) => {
    spawnError = e.message;
    exited = true;
  });
  child.once('exit', () => {
    exited = true;
  });
  const onExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    if (await answers(port)) {
      const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
      const azurite: Azurite = {
        port,
        blobEndpoint,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
        location,
        stop: async () => {
          process.removeListener('exit', onExit);
          if (!exited) {
            const gone = new Promise((r) => child.once('exit', r));
            killGroup(child, 'SIGTERM');
            const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
            await gone;
            clearTimeout(t);
          }
          // The grandchild may outlive npm by a moment; wait until the port is closed.
          for (let i = 0; i < 50 && (await answers(port)); i++) await sleep(100);
          await rm(location, { recursive: true, force: true });
        },
      };
      return { ok: true, azurite, reason: '' };
    }
    await sleep(250);
  }
  process.removeListener('exit', onExit);
  killGroup(child, 'SIGKILL');
  const why = spawnError || output.trim().split('\n').slice(-5).join(' | ') || 'no output';
  const reason = exited
    ? `Azurite (${[cmd, ...args].join(' ')}) exited during start: ${why}`
    : `Azurite did not answer on port ${port} within ${START_TIMEOUT_MS} ms: ${why}`;
  // Another process may have taken the port between our probe and Azurite's bind.
  return { ok: false, reason, retry: /EADDRINUSE/.test(output) };
}

/** Start an Azurite blob service; on failure prints `SKIP: …` and returns the reason. */
export async function startAzurite(): Promise<AzuriteStart> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'pretag-azurite-'));
  let last: AzuriteStart = { ok: false, reason: 'not started' };
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await startOnce(location);
    if (r.ok) return { ok: true, azurite: r.azurite, reason: '' };
    last = { ok: false, reason: r.reason };
    if (!r.retry) break;
  }
  await rm(location, { recursive: true, force: true });
  console.warn(`SKIP: ${last.reason}`);
  return last;
}
