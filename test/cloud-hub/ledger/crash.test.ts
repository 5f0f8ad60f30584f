// A real crash: a worker process leases jobs from the ledger file and is SIGKILLed mid-work. The
// survivor reopens the file, takes over once the dead worker's leases expire, and finishes. Every
// frame must end with exactly one set of cloud boxes and no job may be completed twice.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { BOXES_PER_FRAME, cloudResultFor } from './crash-result.ts';
import { T0, makeFrame, tempDir } from './frame-fixture.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-worker.ts');
const LEASE_MS = 60_000;
const NOW = T0 + 1_000;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

function seed(file: string, n: number): void {
  const ledger = openLedger(file);
  const items = Array.from({ length: n }, (_, i) => ({ payload: makeFrame(i), receivedAt: T0 }));
  for (let i = 0; i < n; i += 200) ledger.frames.ingestMany(items.slice(i, i + 200));
  ledger.close();
}

interface Killed {
  /** Job ids the child reported completed (each printed after its commit). */
  doneIds: Set<number>;
  finished: boolean;
  signal: NodeJS.Signals | null;
}

/** Runs the worker and SIGKILLs it as soon as `killWhen` holds for the lines seen so far. */
function runAndKill(
  file: string,
  owner: string,
  stallAfter: number,
  killWhen: (doneCount: number, line: string) => boolean,
): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [WORKER, file, owner, String(NOW), String(LEASE_MS), '10', String(stallAfter)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const doneIds = new Set<number>();
    let finished = false;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('done ')) doneIds.add(Number(line.slice(5)));
      if (line === 'finished') finished = true;
      if (killWhen(doneIds.size, line)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && !finished)
        reject(new Error(`worker exited with ${code}: ${stderr.trim()}`));
      else resolve({ doneIds, finished, signal });
    });
  });
}

/** Runs the worker to completion; returns the job ids it reported done. */
function runToEnd(file: string, owner: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [WORKER, file, owner, String(NOW), String(LEASE_MS), '10', '-1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ids: number[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('done ')) ids.push(Number(line.slice(5)));
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(ids) : reject(new Error(`worker exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

/** Leases and completes everything due at `now` as `owner`; returns the job ids it completed. */
function drain(ledger: Ledger, owner: string, now: number): number[] {
  const ids: number[] = [];
  for (;;) {
    const jobs = ledger.jobs.lease(owner, 100, LEASE_MS, now);
    if (!jobs.length) return ids;
    for (const j of jobs) {
      const r = ledger.jobs.complete(j.id, owner, cloudResultFor(j.frameId, owner), 2, now);
      expect(r, `complete job ${j.id}`).toEqual({ ok: true });
      ids.push(j.id);
    }
  }
}

/** Per frame: how many cloud boxes, and from how many distinct workers. */
function cloudSets(
  ledger: Ledger,
): { frame_id: string; boxes: number; models: number; model: string }[] {
  return ledger
    .statement<[], { frame_id: string; boxes: number; models: number; model: string }>(
      `SELECT f.frame_id, count(d.id) AS boxes, count(DISTINCT d.model_id) AS models,
         coalesce(max(d.model_id), '') AS model
       FROM frames f LEFT JOIN detections d ON d.frame_id = f.frame_id AND d.source = 'cloud'
       GROUP BY f.frame_id ORDER BY f.frame_id`,
    )
    .all();
}

describe('a worker killed mid-work', () => {
  it('stalled mid-batch: its leases come back after expiry and every frame is detected once', async () => {
    const file = tmp.file('hub.db');
    seed(file, 300);
    // Batches of 10: three full batches (30) and 5 of the fourth, then it hangs holding 5 leases.
    const killed = await runAndKill(file, 'crashy', 35, (_n, line) => line === 'stalled');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.doneIds.size).toBe(35);

    const ledger = openLedger(file);
    try {
      expect(ledger.jobs.counts()).toEqual({
        queued: 260,
        leased: 5,
        done: 35,
        failed: 0,
        dead: 0,
      });
      // Before the dead worker's leases expire, only the never-leased jobs are handed out.
      const early = drain(ledger, 'hub-2', NOW);
      expect(early).toHaveLength(260);
      const orphans = ledger
        .statement<[], number>("SELECT id FROM jobs WHERE state = 'leased' ORDER BY id")
        .pluck()
        .all();
      expect(orphans).toHaveLength(5);
      // The dead worker's result, were it to arrive now, is refused once the lease is taken over.
      const late = drain(ledger, 'hub-2', NOW + LEASE_MS);
      expect(late).toEqual(orphans);
      const stale = ledger.jobs.complete(
        orphans[0]!,
        'crashy',
        cloudResultFor('x', 'crashy'),
        1,
        NOW + LEASE_MS,
      );
      expect(stale).toMatchObject({ ok: false, reason: 'not-leased' });

      expect(ledger.jobs.counts()).toEqual({ queued: 0, leased: 0, done: 300, failed: 0, dead: 0 });
      const sets = cloudSets(ledger);
      expect(sets).toHaveLength(300);
      expect(sets.every((s) => s.boxes === BOXES_PER_FRAME && s.models === 1)).toBe(true);
      expect(sets.filter((s) => s.model === 'cloud@crashy')).toHaveLength(35);
      // No job the dead worker finished was handed out again.
      expect([...early, ...late].filter((id) => killed.doneIds.has(id))).toEqual([]);
      expect(
        ledger
          .statement('SELECT attempts, count(*) AS n FROM jobs GROUP BY attempts ORDER BY attempts')
          .all(),
      ).toEqual([
        { attempts: 1, n: 295 },
        { attempts: 2, n: 5 },
      ]);
      expect(ledger.statement('PRAGMA integrity_check').pluck().get()).toBe('ok');
    } finally {
      ledger.close();
    }
  });

  it('killed while busy committing: nothing lost, nothing done twice', async () => {
    const file = tmp.file('hub.db');
    const total = 3_000;
    seed(file, total);
    // The kill comes after 50 commits; should this process be starved long enough for the child
    // to get through all 3,000, it would finish instead. Past 1,000 it stalls holding its leases,
    // so it is always killed, and nearly always mid-commit.
    const killed = await runAndKill(file, 'busy', 1_000, (n) => n >= 50);
    expect(killed.finished).toBe(false);

    const ledger = openLedger(file);
    try {
      const after = ledger.jobs.counts();
      // Whatever the kill interrupted was rolled back whole: only whole states remain.
      expect(after.done + after.leased + after.queued).toBe(total);
      expect(after.done).toBeGreaterThanOrEqual(killed.doneIds.size);
      expect(after.leased).toBeLessThanOrEqual(10);
      const byChild = after.done;
      const mine = [...drain(ledger, 'hub-2', NOW), ...drain(ledger, 'hub-2', NOW + LEASE_MS)];
      expect(mine).toHaveLength(total - byChild);
      expect(mine.filter((id) => killed.doneIds.has(id))).toEqual([]);

      expect(ledger.jobs.counts()).toEqual({
        queued: 0,
        leased: 0,
        done: total,
        failed: 0,
        dead: 0,
      });
      const sets = cloudSets(ledger);
      expect(sets.every((s) => s.boxes === BOXES_PER_FRAME && s.models === 1)).toBe(true);
      expect(sets.filter((s) => s.model === 'cloud@busy')).toHaveLength(byChild);
      // Every completion the child reported is the result that stayed.
      const kept = ledger.statement<[number], string>(
        `SELECT DISTINCT d.model_id FROM jobs j JOIN detections d
           ON d.frame_id = j.frame_id AND d.source = 'cloud' WHERE j.id = ?`,
      );
      for (const id of killed.doneIds) expect(kept.pluck().all(id)).toEqual(['cloud@busy']);
      expect(ledger.statement('PRAGMA integrity_check').pluck().get()).toBe('ok');
    } finally {
      ledger.close();
    }
  });

  it('two workers draining one ledger at the same time never get the same job', async () => {
    const file = tmp.file('hub.db');
    const total = 2_000;
    seed(file, total);
    const [a, b] = await Promise.all([runToEnd(file, 'wa'), runToEnd(file, 'wb')]);
    console.log(`two workers: wa completed ${a.length}, wb ${b.length}`);
    expect(a.length + b.length).toBe(total);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    const ledger = openLedger(file);
    try {
      expect(ledger.jobs.counts()).toEqual({
        queued: 0,
        leased: 0,
        done: total,
        failed: 0,
        dead: 0,
      });
      const sets = cloudSets(ledger);
      expect(sets.every((s) => s.boxes === BOXES_PER_FRAME && s.models === 1)).toBe(true);
      expect(sets.filter((s) => s.model === 'cloud@wa')).toHaveLength(a.length);
    } finally {
      ledger.close();
    }
  });
});
