// External detection workers on a real Mosquitto sharing `$share/detectors/…/jobs/detect`: two
// worker processes, the hub's dispatcher publishing jobs and applying results. Each job is
// detected once; a worker SIGKILLed mid-run loses nothing.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { startDispatcher } from '../../../cloud-hub/src/workers/index.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { Mosquitto } from '../../helpers/mosquitto.ts';
import { needMedia } from '../../helpers/media.ts';
import { until } from '../ingest/aedes-broker.ts';
import { VIDEO, extractJpegs, seedFrames } from './fixture.ts';

const m = needMedia(VIDEO);
const broker = m.ok ? await startMosquitto() : { ok: false as const, reason: m.reason };
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mqtt-worker-child.ts');
const N = 10;

interface Child {
  proc: ChildProcess;
  got: { jobId: number; attempt: number }[];
  results: number[];
  ready: Promise<void>;
}

function startChild(
  url: string,
  prefix: string,
  blobDir: string,
  name: string,
  stallAfter?: number,
): Child {
  const args = [CHILD, url, prefix, blobDir, name, ...(stallAfter ? [String(stallAfter)] : [])];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const c: Child = { proc, got: [], results: [], ready: Promise.resolve() };
  c.ready = new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code})`)));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const [word, a, b] = line.split(' ');
      if (word === 'ready') resolve();
      if (word === 'got') c.got.push({ jobId: Number(a), attempt: Number(b) });
      if (word === 'result') c.results.push(Number(a));
    });
  });
  return c;
}

describe.skipIf(!m.ok || !broker.ok)('two workers sharing a Mosquitto subscription', () => {
  const mosq = (broker as { mosquitto: Mosquitto }).mosquitto;
  let dir: string;
  let jpegs: string[];
  const children: Child[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-shared-sub-'));
    jpegs = extractJpegs(m.paths[0] as string, N, dir);
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await mosq?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(name: string, leaseMs: number, victimStallsAfter?: number) {
    const sub = path.join(dir, name);
    const file = path.join(sub, 'hub.db');
    const blobDir = path.join(sub, 'blobs');
    const frames = await seedFrames(file, blobDir, jpegs);
    const prefix = `pretag/${name}`;
    const workers = [0, 1].map((i) =>
      startChild(
        mosq.url,
        prefix,
        blobDir,
        `${name}-w${i}`,
        i === 0 ? victimStallsAfter : undefined,
      ),
    );
    children.push(...workers);
    await Promise.all(workers.map((w) => w.ready));
    const ledger = openLedger(file);
    const client = await mqtt.connectAsync(mosq.url, { protocolVersion: 5 });
    // Few jobs in flight at once, so both workers hold some when one dies.
    const dispatcher = await startDispatcher({
      ledger,
      client,
      prefix,
      leaseMs,
      maxOutstanding: 4,
      pollMs: 50,
    });
    return { frames, ledger, client, dispatcher, workers };
  }

  it('detects each job exactly once, spread over both workers', async () => {
    const { frames, ledger, client, dispatcher, workers } = await setup('even', 60_000);
    await until(() => ledger.jobs.counts().done === N, 'all jobs done', 120_000);
    // A worker prints its result after the broker acknowledged it, which can be after the hub applied it.
    await until(
      () => workers.reduce((n, w) => n + w.results.length, 0) >= N,
      'workers to report',
      10_000,
    );
    const all = workers.flatMap((w) => w.results).sort((a, b) => a - b);
    expect(all).toEqual(frames.map((_, i) => i + 1));
    expect(workers.every((w) => w.results.length > 0)).toBe(true);
    expect(dispatcher.stats()).toMatchObject({ published: N, republished: 0, completed: N });
    await dispatcher.close();
    await client.endAsync();
    ledger.close();
    for (const w of workers) w.proc.kill('SIGTERM');
  });

  it('loses nothing when one worker is SIGKILLed mid-run', async () => {
    const LEASE_MS = 6_000;
    // The victim answers one job and then hangs on the rest it takes, so the jobs it holds when
    // killed are surely unanswered (not merely not yet printed).
    const { frames, ledger, client, dispatcher, workers } = await setup('kill', LEASE_MS, 1);
    const [victim, survivor] = workers as [Child, Child];
    // Killed once it has answered a job and holds one it has not answered.
    await until(
      () => victim.results.length >= 1 && victim.got.length > victim.results.length,
      'the victim to hold an unanswered job',
      120_000,
    );
    victim.proc.kill('SIGKILL');
    const orphaned = victim.got
      .filter((g) => !victim.results.includes(g.jobId))
      .map((g) => g.jobId);
    expect(orphaned.length).toBeGreaterThan(0);
    await until(() => ledger.jobs.counts().done === N, 'all jobs done', 120_000);
    expect(ledger.jobs.counts()).toMatchObject({ done: N, dead: 0, leased: 0 });
    for (const f of frames) expect(ledger.frames.getFrame(f.frameId)?.state).toBe('detected');
    // What happened to the jobs the victim held: Mosquitto does not hand a dead clean-session
    // member's messages to the group, so each came back through the hub's lease timeout (a
    // later attempt), and the survivor did it.
    for (const id of orphaned) {
      const redelivered = survivor.got.filter((g) => g.jobId === id);
      expect(redelivered.length).toBeGreaterThan(0);
      expect(Math.min(...redelivered.map((g) => g.attempt))).toBeGreaterThan(1);
    }
    console.log(
      `victim held ${orphaned.length} unanswered job(s); dispatcher: ${JSON.stringify(dispatcher.stats())}`,
    );
    await dispatcher.close();
    await client.endAsync();
    ledger.close();
    survivor.proc.kill('SIGTERM');
  });
});
