// The job queue driven by an injected clock, as tables of steps: each step acts at a time and
// states what it must return and the job states that must follow.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type {
  JobState,
  Ledger,
  RefusalReason,
  RetryPolicy,
} from '../../../cloud-hub/src/ledger/index.ts';
import { T0, makeFrame, tempDir } from './frame-fixture.ts';

const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 3_000 };
const CLOUD = {
  modelId: 'frcnn-r50',
  detections: [
    { label: 'person', score: 0.9, box: [12, 22, 108, 318] as [number, number, number, number] },
  ],
};

type Expectation = string[] | 'ok' | 'failed' | 'dead' | RefusalReason | boolean | number;
type Step = {
  /** ms after T0 */
  at: number;
  do: 'lease' | 'complete' | 'fail' | 'requeue' | 'release' | 'extend';
  owner?: string;
  frame?: string;
  n?: number;
  leaseMs?: number;
  expect: Expectation;
  /** retry time (ms after T0) a 'failed' result must carry */
  nextRunAt?: number;
  /** job state and attempts of each named frame after the step */
  then?: Record<string, [JobState, number]>;
};

let tmp: ReturnType<typeof tempDir>;
let ledger: Ledger;
const jobOf = new Map<string, number>();

beforeEach(() => {
  tmp = tempDir();
  ledger = openLedger(tmp.file('hub.db'), { retry: POLICY });
  jobOf.clear();
});
afterEach(() => {
  ledger.close();
  tmp.remove();
});

/** Frames A, B, C... (ids fA, fB...) received 1 ms apart before T0: queue order A, B, C. */
function ingest(names: string[]): void {
  names.forEach((name, i) => {
    const r = ledger.frames.ingestFrame(makeFrame(i, { frameId: `f${name}` }), T0 - 100 + i);
    if (r.status !== 'inserted') throw new Error(`fixture frame ${name} not inserted`);
    jobOf.set(name, r.jobId);
  });
}

function run(steps: Step[]): void {
  for (const [i, s] of steps.entries()) {
    const now = T0 + s.at;
    const where = `step ${i} (${s.do} at +${s.at})`;
    const owner = s.owner ?? 'w1';
    const job = s.frame ? (jobOf.get(s.frame) ?? 999_999) : -1;
    switch (s.do) {
      case 'lease': {
        const got = ledger.jobs.lease(owner, s.n ?? 10, s.leaseMs ?? 10_000, now);
        expect(
          got.map((j) => j.frameId.slice(1)),
          where,
        ).toEqual(s.expect);
        break;
      }
      case 'complete': {
        const r = ledger.jobs.complete(job, owner, CLOUD, 12.5, now);
        expect(r.ok ? 'ok' : r.reason, where).toBe(s.expect);
        break;
      }
      case 'fail': {
        const r = ledger.jobs.fail(job, owner, `boom ${i}`, now);
        expect(r.ok ? r.state : r.reason, where).toBe(s.expect);
        if (r.ok && r.state === 'failed') expect(r.nextRunAt - T0, where).toBe(s.nextRunAt);
        break;
      }
      case 'requeue':
        expect(ledger.jobs.requeueDead(job, now), where).toBe(s.expect);
        break;
      case 'release':
        expect(ledger.jobs.release(owner, now), where).toBe(s.expect);
        break;
      case 'extend':
        expect(ledger.jobs.extend(job, owner, s.leaseMs ?? 10_000, now), where).toBe(s.expect);
        break;
    }
    for (const [name, [state, attempts]] of Object.entries(s.then ?? {})) {
      const j = ledger.jobs.get(jobOf.get(name) ?? -1);
      expect([j?.state, j?.attempts], `${where}: job ${name}`).toEqual([state, attempts]);
    }
  }
}

describe('job queue', () => {
  it('retries with doubling delays, dead-letters after the last attempt, and can be requeued', () => {
    ingest(['A']);
    run([
      { at: 0, do: 'lease', owner: 'w1', expect: ['A'], then: { A: ['leased', 1] } },
      {
        at: 100,
        do: 'fail',
        owner: 'w1',
        frame: 'A',
        expect: 'failed',
        nextRunAt: 1_100,
        then: { A: ['failed', 1] },
      },
      { at: 1_099, do: 'lease', owner: 'w2', expect: [] },
      { at: 1_100, do: 'lease', owner: 'w2', expect: ['A'], then: { A: ['leased', 2] } },
      // second failure: 1,000 × 2 = 2,000 ms
      { at: 1_200, do: 'fail', owner: 'w2', frame: 'A', expect: 'failed', nextRunAt: 3_200 },
      { at: 3_199, do: 'lease', owner: 'w3', expect: [] },
      { at: 3_200, do: 'lease', owner: 'w3', expect: ['A'], then: { A: ['leased', 3] } },
      { at: 3_300, do: 'fail', owner: 'w3', frame: 'A', expect: 'dead', then: { A: ['dead', 3] } },
      { at: 1e9, do: 'lease', owner: 'w1', expect: [] },
      { at: 5_000, do: 'requeue', frame: 'A', expect: true, then: { A: ['queued', 0] } },
      { at: 5_000, do: 'requeue', frame: 'A', expect: false },
      { at: 5_000, do: 'lease', owner: 'w4', expect: ['A'], then: { A: ['leased', 1] } },
      {
        at: 5_100,
        do: 'complete',
        owner: 'w4',
        frame: 'A',
        expect: 'ok',
        then: { A: ['done', 1] },
      },
    ]);
    expect(ledger.frames.getFrame('fA')?.state).toBe('detected');
  });

  it('shows dead jobs with their reason, and marks their frame dead', () => {
    ingest(['A', 'B']);
    run([
      { at: 0, do: 'lease', expect: ['A', 'B'] },
      { at: 1, do: 'fail', frame: 'A', expect: 'failed', nextRunAt: 1_001 },
      { at: 1_001, do: 'lease', expect: ['A'] },
      { at: 1_002, do: 'fail', frame: 'A', expect: 'failed', nextRunAt: 3_002 },
      { at: 3_002, do: 'lease', expect: ['A'] },
      { at: 3_003, do: 'fail', frame: 'A', expect: 'dead' },
    ]);
    expect(ledger.jobs.listDead()).toEqual([
      {
        id: jobOf.get('A'),
        frameId: 'fA',
        site: 'dublin-plant-2',
        camera: 'cam-0',
        attempts: 3,
        lastError: 'boom 5',
        diedAt: T0 + 3_003,
      },
    ]);
    expect(ledger.frames.getFrame('fA')?.state).toBe('dead');
    expect(ledger.jobs.counts()).toEqual({ queued: 0, leased: 1, done: 0, failed: 0, dead: 1 });
  });

  it('an expired lease comes back, and the old owner can neither complete nor fail it', () => {
    ingest(['A', 'B']);
    run([
      { at: 0, do: 'lease', owner: 'w1', n: 1, leaseMs: 1_000, expect: ['A'] },
      { at: 10, do: 'lease', owner: 'w2', n: 5, leaseMs: 1_000, expect: ['B'] },
      { at: 999, do: 'lease', owner: 'w2', expect: [] },
      { at: 1_000, do: 'lease', owner: 'w2', expect: ['A'], then: { A: ['leased', 2] } },
      { at: 1_001, do: 'complete', owner: 'w1', frame: 'A', expect: 'stale-owner' },
      { at: 1_001, do: 'fail', owner: 'w1', frame: 'A', expect: 'stale-owner' },
      {
        at: 1_002,
        do: 'complete',
        owner: 'w2',
        frame: 'A',
        expect: 'ok',
        then: { A: ['done', 2] },
      },
      { at: 1_003, do: 'complete', owner: 'w2', frame: 'A', expect: 'not-leased' },
      { at: 1_003, do: 'complete', owner: 'w2', frame: 'nope', expect: 'unknown-job' },
      // B's lease (to 1,010) is pushed out to 1,005 + 1,000
      { at: 1_005, do: 'extend', owner: 'w2', frame: 'B', leaseMs: 1_000, expect: true },
      { at: 1_005, do: 'extend', owner: 'w1', frame: 'B', expect: false },
      { at: 2_004, do: 'lease', owner: 'w3', expect: [] },
      { at: 2_005, do: 'lease', owner: 'w3', expect: ['B'], then: { B: ['leased', 2] } },
    ]);
    expect(ledger.frames.detectionsOf('fA').cloud).toHaveLength(1);
  });

  it('a job whose lease expires on its last attempt is dead-lettered, not leased again', () => {
    ingest(['A']);
    run([
      { at: 0, do: 'lease', owner: 'w1', leaseMs: 1_000, expect: ['A'] },
      { at: 1_000, do: 'lease', owner: 'w2', leaseMs: 1_000, expect: ['A'] },
      {
        at: 2_000,
        do: 'lease',
        owner: 'w3',
        leaseMs: 1_000,
        expect: ['A'],
        then: { A: ['leased', 3] },
      },
      { at: 3_000, do: 'lease', owner: 'w4', expect: [], then: { A: ['dead', 3] } },
    ]);
    expect(ledger.jobs.listDead()[0]?.lastError).toBe('lease held by w3 expired on attempt 3 of 3');
  });

  it('release gives leases back on shutdown without using up an attempt', () => {
    ingest(['A', 'B', 'C']);
    run([
      { at: 0, do: 'lease', owner: 'w1', n: 2, expect: ['A', 'B'] },
      { at: 50, do: 'release', owner: 'w2', expect: 0 },
      {
        at: 50,
        do: 'release',
        owner: 'w1',
        expect: 2,
        then: { A: ['queued', 0], B: ['queued', 0] },
      },
      { at: 50, do: 'lease', owner: 'w2', expect: ['A', 'B', 'C'], then: { A: ['leased', 1] } },
    ]);
  });

  it('hands each job to one owner only, oldest first', () => {
    ingest(['A', 'B', 'C', 'D', 'E']);
    run([
      { at: 0, do: 'lease', owner: 'w1', n: 2, expect: ['A', 'B'] },
      { at: 0, do: 'lease', owner: 'w2', n: 2, expect: ['C', 'D'] },
      { at: 0, do: 'lease', owner: 'w3', n: 10, expect: ['E'] },
      { at: 0, do: 'lease', owner: 'w4', n: 10, expect: [] },
    ]);
    expect(ledger.jobs.counts()).toEqual({ queued: 0, leased: 5, done: 0, failed: 0, dead: 0 });
  });

  it('a leased job carries what a worker needs to fetch the frame', () => {
    ingest(['A']);
    const [job] = ledger.jobs.lease('w1', 1, 5_000, T0 + 100);
    expect(job).toMatchObject({
      frameId: 'fA',
      kind: 'detect',
      state: 'leased',
      attempts: 1,
      leaseOwner: 'w1',
      leaseExpiresAt: T0 + 5_100,
      blobKey: 'frames/dublin-plant-2/cam-0/2026/11/27/fA.jpg',
      width: 1280,
      height: 720,
      site: 'dublin-plant-2',
      camera: 'cam-0',
    });
  });
});

describe('complete', () => {
  it('stores cloud boxes beside the edge ones, with the cleanup outcome', () => {
    ingest(['A']);
    const [job] = ledger.jobs.lease('w1', 1, 5_000, T0);
    const r = ledger.jobs.complete(
      job!.id,
      'w1',
      {
        modelId: 'frcnn-r50',
        detections: [
          { label: 'person', score: 0.93, box: [11, 19, 112, 322], kept: true },
          { label: 'car', score: 0.2, box: [400, 300, 700, 500], kept: false, dropReason: 'score' },
          { label: 'dog', score: 0.5, box: [0, 0, 5, 5] },
        ],
      },
      40,
      T0 + 200,
    );
    expect(r).toEqual({ ok: true });
    const { edge, cloud } = ledger.frames.detectionsOf('fA');
    expect(edge.map((d) => d.label)).toEqual(['person', 'car']);
    expect(cloud).toEqual([
      {
        label: 'person',
        score: 0.93,
        box: [11, 19, 112, 322],
        modelId: 'frcnn-r50',
        kept: true,
        dropReason: null,
      },
      {
        label: 'car',
        score: 0.2,
        box: [400, 300, 700, 500],
        modelId: 'frcnn-r50',
        kept: false,
        dropReason: 'score',
      },
      {
        label: 'dog',
        score: 0.5,
        box: [0, 0, 5, 5],
        modelId: 'frcnn-r50',
        kept: null,
        dropReason: null,
      },
    ]);
    expect(ledger.statement('SELECT compute_ms, done_at FROM jobs').get()).toEqual({
      compute_ms: 40,
      done_at: T0 + 200,
    });
  });

  it('refuses malformed cloud boxes with a clear reason and leaves the lease in place', () => {
    ingest(['A']);
    const [job] = ledger.jobs.lease('w1', 1, 5_000, T0);
    const r = ledger.jobs.complete(
      job!.id,
      'w1',
      { modelId: 'frcnn-r50', detections: [{ label: 'person', score: 1.5, box: [0, 0, 1, 1] }] },
      1,
      T0,
    );
    expect(r).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!r.ok && r.message).toMatch(/cloud result rejected: detections\.0\.score/);
    expect(ledger.jobs.get(job!.id)?.state).toBe('leased');
    expect(ledger.frames.detectionsOf('fA').cloud).toEqual([]);
  });

  it('refuses nonsense arguments with a clear error', () => {
    expect(() => ledger.jobs.lease('', 1, 1_000, T0)).toThrow(
      /lease owner must be a non-empty string/,
    );
    expect(() => ledger.jobs.lease('w1', 1.5, 1_000, T0)).toThrow(/n must be a whole number/);
    expect(() => ledger.jobs.lease('w1', 1, 0, T0)).toThrow(/leaseMs must be > 0/);
    expect(() => ledger.jobs.lease('w1', 1, 1_000, Number.NaN)).toThrow(
      /now must be a finite number/,
    );
    expect(() => openLedger(tmp.file('x.db'), { retry: { ...POLICY, maxAttempts: 0 } })).toThrow(
      /maxAttempts must be a whole number ≥ 1/,
    );
  });
});
