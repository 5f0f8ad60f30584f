import { describe, expect, it } from 'vitest';
import { afterFailure, retryDelayMs } from '../../../cloud-hub/src/ledger/index.ts';

const policy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 30_000 };

describe('retry schedule', () => {
  // Hand-computed: 2 s × 2^(attempt − 1), capped at 30 s.
  it.each([
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 30_000],
    [40, 30_000],
    [2_000, 30_000],
  ])('after failed attempt %i the retry waits %i ms', (attempt, delay) => {
    expect(retryDelayMs(attempt, policy)).toBe(delay);
  });

  it('retries until the last attempt, then dead-letters', () => {
    expect(afterFailure(5, 1_000, policy)).toEqual({ state: 'failed', nextRunAt: 31_000 });
    expect(afterFailure(6, 1_000, policy)).toEqual({ state: 'dead' });
    expect(afterFailure(1, 0, { ...policy, maxAttempts: 1 })).toEqual({ state: 'dead' });
  });
});
