// The reconnect rules as tables. Expected delays are worked by hand from
// step = min(60 s, 1 s × 2^(attempt−1)), delay = random × step (full jitter).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RECONNECT_POLICY,
  attemptAfterFrame,
  backoffDelayMs,
  backoffStepMs,
  isStalled,
  liveRetryable,
  monotonicCaptureMs,
} from '../../../edge-agent/src/sources/reconnect-policy.ts';

describe('backoff schedule (base 1 s, cap 60 s, full jitter)', () => {
  // attempt → [smallest delay (random = 0), largest delay (random → 1)] in ms
  const table: Array<[number, number, number]> = [
    [1, 0, 1_000],
    [2, 0, 2_000],
    [3, 0, 4_000],
    [4, 0, 8_000],
    [5, 0, 16_000],
    [6, 0, 32_000],
    [7, 0, 60_000], // 64 s capped
    [8, 0, 60_000],
    [50, 0, 60_000],
    [5000, 0, 60_000], // 2^4999 is Infinity; still capped
  ];
  it.each(table)('attempt %i waits between %i and %i ms', (attempt, low, high) => {
    expect(backoffStepMs(attempt)).toBe(high);
    expect(backoffDelayMs(attempt, () => 0)).toBe(low);
    const nearTop = backoffDelayMs(attempt, () => 0.999999);
    expect(nearTop).toBeLessThan(high);
    expect(nearTop).toBeGreaterThanOrEqual(high - 1);
    expect(backoffDelayMs(attempt, () => 0.5)).toBe(high / 2);
  });

  it('every draw lands inside the range, spread across it', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(3, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(4_000);
    // Full jitter: a quarter of draws in each quarter of the range, roughly.
    const firstQuarter = draws.filter((d) => d < 1_000).length;
    expect(firstQuarter).toBeGreaterThan(400);
    expect(firstQuarter).toBeLessThan(600);
  });

  it('a broken random source cannot produce a negative, huge or NaN delay', () => {
    expect(backoffDelayMs(2, () => -3)).toBe(0);
    expect(backoffDelayMs(2, () => 7)).toBeLessThan(2_000);
    expect(backoffDelayMs(2, () => NaN)).toBe(0);
    expect(backoffDelayMs(0, () => 0.5)).toBe(500); // attempt below 1 counts as the first
  });

  it('a custom base and cap', () => {
    expect(backoffStepMs(1, { baseMs: 200, capMs: 1_000 })).toBe(200);
    expect(backoffStepMs(3, { baseMs: 200, capMs: 1_000 })).toBe(800);
    expect(backoffStepMs(4, { baseMs: 200, capMs: 1_000 })).toBe(1_000);
  });
});

describe('stall detection on an injected clock (stall_s = 10)', () => {
  const t0 = 1_700_000_000_000;
  it.each([
    [0, false],
    [9_999, false],
    [10_000, true],
    [60_000, true],
  ])('%i ms after the last frame: stalled = %s', (elapsed, stalled) => {
    expect(isStalled(t0, t0 + elapsed)).toBe(stalled);
  });

  it('a shorter stall period is honoured', () => {
    expect(isStalled(t0, t0 + 2_000, { stallMs: 2_000 })).toBe(true);
    expect(isStalled(t0, t0 + 1_999, { stallMs: 2_000 })).toBe(false);
  });
});

describe('backoff reset after a stable period (30 s)', () => {
  const since = 1_000_000;
  it.each([
    [5, 0, 5],
    [5, 29_999, 5],
    [5, 30_000, 0],
    [0, 10, 0],
  ])('after %i failures and %i ms of frames, the count is %i', (attempt, streamed, expected) => {
    expect(attemptAfterFrame(attempt, since, since + streamed)).toBe(expected);
  });
  it('defaults match the brief', () => {
    expect(DEFAULT_RECONNECT_POLICY).toEqual({
      baseMs: 1_000,
      capMs: 60_000,
      stallMs: 10_000,
      stableMs: 30_000,
    });
  });
});

describe('which failures a live camera retries', () => {
  it.each([
    ['unreachable', true],
    ['stream-ended', true],
    ['decode-failed', true],
    ['stalled', true],
    ['no-such-input', true], // USB camera unplugged
    ['not-video', true], // camera rebooting, or an RTSP I/O timeout
    ['ffmpeg-not-found', false],
    ['bad-options', false],
  ] as const)('%s → retry %s', (kind, retry) => {
    expect(liveRetryable(kind)).toBe(retry);
  });
});

describe('capture time across reconnects', () => {
  it('follows the wall clock but never steps back (NTP correction)', () => {
    expect(monotonicCaptureMs(undefined, 500)).toBe(500);
    expect(monotonicCaptureMs(500, 700)).toBe(700);
    expect(monotonicCaptureMs(700, 650)).toBe(700);
  });
});
