// Crash test (issue 4): a child process runs spool + uplink and is SIGKILLed mid-upload, several
// times, each time restarted on the same spool. The hub side (a persistent QoS 1 subscriber) must
// end up with every accepted frame, exactly once after de-duplication by frameId; the raw
// duplicates QoS 1 allows are counted and printed. Each kill must bring the last-will `offline`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../spool/frames.ts';
import { dedupe } from './drain.ts';
import { startAedes, startBlobServer, startCollector, waitFor } from './harness.ts';
import type { BlobServer, Collector, RunningAedes } from './harness.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROUNDS = 5;
const FRAMES_PER_ROUND = 12;

interface Run {
  accepted: Map<string, string>;
  uploadsStarted: number;
  connected: boolean;
  empty: boolean;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

function runChild(dir: string, broker: string, blob: string, round: number, mode: string): Run {
  const child = spawn(
    process.execPath,
    [CHILD, dir, broker, blob, String(round), String(mode === 'run' ? FRAMES_PER_ROUND : 0), mode],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const run: Run = {
    accepted: new Map(),
    uploadsStarted: 0,
    connected: false,
    empty: false,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    kill: () => child.kill('SIGKILL'),
  };
  child.stderr.on('data', (d: Buffer) => (run.stderr = (run.stderr + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [tag, id = '', sha = ''] = line.split(' ');
    if (tag === 'A') run.accepted.set(id, sha);
    else if (tag === 'U') run.uploadsStarted++;
    else if (tag === 'C') run.connected = true;
    else if (tag === 'EMPTY') run.empty = true;
  });
  return run;
}

describe('uplink crash test (SIGKILL mid-upload, restart on the same spool)', () => {
  let root: string;
  let broker: RunningAedes;
  let blobs: BlobServer;
  let hub: Collector;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pretag-uplink-crash-'));
    broker = await startAedes();
    // A little server-side delay so that kills land while uploads are in progress.
    blobs = await startBlobServer(path.join(root, 'blobs'), { delayMs: 15 });
    hub = await startCollector(broker.url, `hub-crash-${process.pid}`);
  });
  afterAll(async () => {
    await hub?.close();
    await broker?.stop();
    await blobs?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('every accepted frame reaches the hub; duplicates only as QoS 1 redeliveries; last will on each kill', async () => {
    const dir = path.join(root, 'spool');
    const accepted = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      const run = runChild(dir, broker.url, blobs.url, round, 'run');
      const killAt = 2 + Math.floor(Math.random() * 8);
      await waitFor(
        () => run.connected && run.uploadsStarted >= killAt,
        `round ${round}: ${killAt} uploads started (${run.stderr})`,
      );
      const offlineBefore = hub.statuses.filter((s) => s.state === 'offline').length;
      run.kill();
      const { signal } = await run.exited;
      expect(signal).toBe('SIGKILL');
      for (const [id, sha] of run.accepted) accepted.set(id, sha);
      // The broker publishes the retained last-will `offline` for the killed agent.
      await waitFor(
        () => hub.statuses.filter((s) => s.state === 'offline').length > offlineBefore,
        `round ${round}: last-will offline`,
      );
      const will = hub.statuses.at(-1);
      expect(will).toMatchObject({ state: 'offline', site: 'site1', device: 'jetson1' });
    }

    // Last start: nothing new; it drains the spool and stops cleanly.
    const last = runChild(dir, broker.url, blobs.url, ROUNDS, 'drain');
    const { code } = await last.exited;
    expect(code, last.stderr).toBe(0);
    expect(last.empty).toBe(true);

    await waitFor(
      () => [...accepted.keys()].every((id) => hub.frames.some((f) => f.frameId === id)),
      'every accepted frame at the hub',
    );
    const ids = hub.frames.map((f) => f.frameId);
    const { unique, duplicates } = dedupe(ids);
    // A frame whose accept() completed just before the kill, unreported, is delivered too.
    const extra = unique.filter((id) => !accepted.has(id));
    expect(extra.length).toBeLessThanOrEqual(ROUNDS);
    for (const [id, sha] of accepted) {
      const f = hub.frames.find((x) => x.frameId === id);
      expect(f?.sha256).toBe(sha);
      const stored = await blobs.store.get(f?.blobKey ?? '');
      expect(sha256(stored ?? new Uint8Array()), id).toBe(sha);
    }
    console.log(
      `crash test: ${ROUNDS} kills, ${accepted.size} frames accepted, ${ids.length} frame messages received, ` +
        `${unique.length} unique, ${duplicates} raw duplicates (QoS 1 redelivery)`,
    );
  }, 240_000);
});
