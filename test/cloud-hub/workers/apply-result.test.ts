// Results from external workers applied to a real ledger: the first result of a job counts, a
// repeat or late one changes nothing, a stale failure cannot cut short the attempt now running.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { applyResult, parseResultMessage } from '../../../cloud-hub/src/workers/index.ts';
import type { ResultMessage } from '../../../cloud-hub/src/workers/index.ts';
import { T0, makeFrame, tempDir } from '../ledger/frame-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let ledger: Ledger;
beforeEach(() => {
  tmp = tempDir();
  ledger = openLedger(tmp.file('hub.db'), {
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
  });
  ledger.frames.ingestMany([0, 1].map((i) => ({ payload: makeFrame(i), receivedAt: T0 })));
});
afterEach(() => {
  ledger.close();
  tmp.remove();
});

const ok = (jobId: number, frameId: string, attempt = 1): ResultMessage => ({
  v: 1,
  jobId,
  attempt,
  frameId,
  worker: 'w1',
  ok: true,
  modelId: 'centernet',
  detections: [{ label: 'person', score: 0.9, box: [1, 2, 30, 40], kept: true }],
  computeMs: 12,
});
const failed = (jobId: number, frameId: string, attempt: number): ResultMessage => ({
  v: 1,
  jobId,
  attempt,
  frameId,
  worker: 'w1',
  ok: false,
  error: 'boom',
});

describe('applying worker results', () => {
  it('applies the first result and ignores a repeat, leaving one set of boxes', () => {
    const [job] = ledger.jobs.lease('dispatch:a', 1, 60_000, T0);
    expect(job).toBeDefined();
    const msg = ok(job!.id, job!.frameId);
    expect(applyResult(ledger.jobs, msg, T0 + 1)).toEqual({ applied: 'completed' });
    expect(applyResult(ledger.jobs, msg, T0 + 2)).toEqual({
      applied: false,
      reason: 'already-done',
    });
    expect(ledger.frames.detectionsOf(job!.frameId).cloud).toHaveLength(1);
  });

  it('accepts a result for a job leased by a previous hub incarnation', () => {
    const [job] = ledger.jobs.lease('dispatch:before-restart', 1, 60_000, T0);
    expect(applyResult(ledger.jobs, ok(job!.id, job!.frameId), T0 + 5)).toEqual({
      applied: 'completed',
    });
  });

  it('ignores a failure from an earlier attempt while a retry runs', () => {
    // Attempt 1 times out; the hub re-publishes it as attempt 2.
    const [first] = ledger.jobs.lease('dispatch:a', 1, 1_000, T0);
    const [again] = ledger.jobs.lease('dispatch:a', 1, 1_000, T0 + 2_000);
    expect(again?.id).toBe(first?.id);
    expect(again?.attempts).toBe(2);
    expect(applyResult(ledger.jobs, failed(first!.id, first!.frameId, 1), T0 + 2_100)).toEqual({
      applied: false,
      reason: 'stale-attempt',
    });
    expect(applyResult(ledger.jobs, failed(first!.id, first!.frameId, 2), T0 + 2_200)).toEqual({
      applied: 'failed',
    });
  });

  it('refuses results for unknown jobs, the wrong frame, or not-leased jobs', () => {
    expect(applyResult(ledger.jobs, ok(999, 'f000000'), T0)).toEqual({
      applied: false,
      reason: 'unknown-job',
    });
    const [job] = ledger.jobs.lease('dispatch:a', 1, 60_000, T0);
    expect(applyResult(ledger.jobs, ok(job!.id, 'f999999'), T0)).toEqual({
      applied: false,
      reason: 'wrong-frame',
    });
    // Job 2 was never published.
    expect(applyResult(ledger.jobs, ok(2, 'f000001'), T0)).toEqual({
      applied: false,
      reason: 'not-leased',
    });
  });

  it('rejects malformed result messages with a reason', () => {
    expect(parseResultMessage(Buffer.from('nope'))).toEqual({
      ok: false,
      reason: 'message is not JSON',
    });
    const r = parseResultMessage(
      Buffer.from(JSON.stringify({ ...ok(1, 'f000000'), detections: 'x' })),
    );
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain('detections');
  });
});
