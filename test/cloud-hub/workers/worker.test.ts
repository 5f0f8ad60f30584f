// Detection workers on real frames with the real detector: every job ends with one stored set
// of cloud boxes, cleanup outcomes recorded per box; failures retry and dead-letter; a worker
// killed mid-batch loses nothing and nothing is done twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { Detector } from '@pretag/shared/detector/index';
import type { Detection } from '@pretag/shared/detection/types';
import { PERMISSIVE_RULES } from '../../../cloud-hub/src/cleanup/rules.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { startWorker } from '../../../cloud-hub/src/workers/index.ts';
import { needMedia } from '../../helpers/media.ts';
import { VIDEO, cloudDetector, extractJpegs, seedFrames } from './fixture.ts';

const m = needMedia(VIDEO);
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-child.ts');
const RULES = { ...PERMISSIVE_RULES, minScore: 0.3 };
const N = 6;

/** Runs worker-child.ts on a ledger; sends `signal` once it has completed `stopAfter` jobs. */
function runChild(
  file: string,
  blobDir: string,
  leaseMs: number,
  stopAfter: number | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
) {
  return new Promise<{
    done: number[];
    finished: boolean;
    signal: string | null;
    code: number | null;
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file, blobDir, String(leaseMs), '4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done: number[] = [];
    let finished = false;
    let sent = false;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('done ')) done.push(Number(line.slice(5)));
      if (line === 'finished') finished = true;
      if (!sent && stopAfter !== undefined && done.length >= stopAfter) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      if (sig === null && code !== 0) reject(new Error(`worker exited ${code}: ${stderr}`));
      else resolve({ done, finished, signal: sig, code });
    });
  });
}

describe.skipIf(!m.ok)('detection worker on real frames', () => {
  let dir: string;
  let jpegs: string[];
  let detector: Detector;
  /** What the detector finds in each JPEG when called directly: the independent reference. */
  let direct: Detection[][];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-workers-'));
    jpegs = extractJpegs(m.paths[0] as string, N, dir);
    detector = await cloudDetector();
    direct = [];
    for (const j of jpegs) direct.push(await detector.detect(readFileSync(j)));
  });
  afterAll(async () => {
    await detector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every raw box once per frame, kept or dropped with the reason', async () => {
    const sub = path.join(dir, 'a');
    const frames = await seedFrames(path.join(sub, 'hub.db'), path.join(sub, 'blobs'), jpegs);
    const ledger = openLedger(path.join(sub, 'hub.db'));
    const worker = startWorker({
      ledger,
      blobs: new FsBlobStore(path.join(sub, 'blobs')),
      detector,
      rulesFor: () => RULES,
      maxFrames: 4,
      maxWaitMs: 10,
      concurrency: 2,
    });
    await worker.drained();
    await worker.stop();
    expect(ledger.jobs.counts()).toMatchObject({ done: N, queued: 0, leased: 0 });
    let people = 0;
    frames.forEach((f, i) => {
      const { cloud } = ledger.frames.detectionsOf(f.frameId);
      const ref = direct[i] as Detection[];
      // Same boxes as the detector gives on the same JPEG, each exactly once.
      expect(cloud.map((d) => d.score).sort()).toEqual(ref.map((d) => d.score).sort());
      for (const d of cloud) {
        expect(d.modelId).toBe('centernet');
        if (d.score < 0.3) expect(d).toMatchObject({ kept: false, dropReason: 'score' });
        if (d.kept) people += d.label === 'person' ? 1 : 0;
      }
      expect(ledger.frames.getFrame(f.frameId)?.state).toBe('detected');
    });
    // The campus video shows pedestrians throughout.
    expect(people).toBeGreaterThan(0);
    const computeMs = ledger
      .statement<[], number>('SELECT min(compute_ms) FROM jobs')
      .pluck()
      .get();
    expect(computeMs).toBeGreaterThan(0);
    ledger.close();
  });

  it('retries a frame whose JPEG is missing and dead-letters it after its attempts', async () => {
    const sub = path.join(dir, 'b');
    const frames = await seedFrames(
      path.join(sub, 'hub.db'),
      path.join(sub, 'blobs'),
      jpegs.slice(0, 2),
    );
    const blobs = new FsBlobStore(path.join(sub, 'blobs'));
    await blobs.delete((frames[1] as (typeof frames)[number]).blobKey);
    const ledger = openLedger(path.join(sub, 'hub.db'), {
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const worker = startWorker({ ledger, blobs, detector, rulesFor: () => RULES, idleMs: 20 });
    for (;;) {
      await worker.drained();
      const c = ledger.jobs.counts();
      if (c.failed + c.queued + c.leased === 0) break;
    }
    await worker.stop();
    expect(ledger.jobs.counts()).toMatchObject({ done: 1, dead: 1 });
    const [dead] = ledger.jobs.listDead();
    expect(dead).toMatchObject({ frameId: 'frame-001', attempts: 3 });
    expect(dead?.lastError).toContain('not found');
    expect(ledger.frames.getFrame('frame-001')?.state).toBe('dead');
    ledger.close();
  });

  it('a worker SIGKILLed mid-batch loses nothing; its replacement does each frame once', async () => {
    const sub = path.join(dir, 'c');
    const file = path.join(sub, 'hub.db');
    const blobDir = path.join(sub, 'blobs');
    const frames = await seedFrames(file, blobDir, jpegs);
    const LEASE_MS = 3_000;

    // Killed after 2 of its first batch of 4: two jobs stay leased to a dead worker.
    const first = await runChild(file, blobDir, LEASE_MS, 2);
    expect(first.signal).toBe('SIGKILL');
    expect(first.finished).toBe(false);
    expect(first.done.length).toBeLessThan(N);
    const second = await runChild(file, blobDir, LEASE_MS, undefined);
    expect(second.finished).toBe(true);

    const ledger = openLedger(file);
    expect(ledger.jobs.counts()).toMatchObject({
      done: N,
      queued: 0,
      leased: 0,
      failed: 0,
      dead: 0,
    });
    // No job completed by both workers.
    expect(first.done.filter((id) => second.done.includes(id))).toEqual([]);
    // Every frame holds exactly the detector's boxes once (a second result would double them).
    frames.forEach((f, i) => {
      expect(ledger.frames.detectionsOf(f.frameId).cloud).toHaveLength(
        (direct[i] as Detection[]).length,
      );
    });
    ledger.close();
  });

  it('on SIGTERM gives its leases back at once instead of letting them run out', async () => {
    const sub = path.join(dir, 'd');
    const file = path.join(sub, 'hub.db');
    const blobDir = path.join(sub, 'blobs');
    await seedFrames(file, blobDir, jpegs);
    // A lease of 10 minutes: only a release can bring the jobs back within this test.
    const r = await runChild(file, blobDir, 600_000, 1, 'SIGTERM');
    expect(r.code).toBe(0);
    const ledger = openLedger(file);
    const c = ledger.jobs.counts();
    expect(c.leased).toBe(0);
    expect(c.done).toBe(r.done.length);
    expect(c.queued).toBe(N - r.done.length);
    // Given back unused: a released job's attempt does not count against it.
    const attempts = ledger
      .statement<[], number>("SELECT max(attempts) FROM jobs WHERE state = 'queued'")
      .pluck()
      .get();
    expect(attempts).toBe(0);
    ledger.close();
  });
});
