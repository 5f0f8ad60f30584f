// Token bucket table: every expected value is worked out by hand from rate × elapsed time.
import { describe, expect, it } from 'vitest';
import {
  BandwidthCap,
  fullBucket,
  refill,
  reserve,
} from '../../../edge-agent/src/uplink/token-bucket.ts';
import type { BucketState } from '../../../edge-agent/src/uplink/token-bucket.ts';

const cfg = { rate: 1_000, burst: 2_000 }; // 1000 B/s, 2 s of burst

describe('token bucket', () => {
  // Each row runs on the state the previous row left.
  const steps: { at: number; cost: number; wait: number; tokens: number; why: string }[] = [
    { at: 0, cost: 500, wait: 0, tokens: 1_500, why: 'full bucket pays at once' },
    { at: 0, cost: 1_500, wait: 0, tokens: 0, why: 'exactly empties it' },
    { at: 0, cost: 1_000, wait: 1_000, tokens: -1_000, why: 'debt of 1000 B = 1 s at 1000 B/s' },
    { at: 500, cost: 0, wait: 500, tokens: -500, why: 'half a second repays 500 B' },
    {
      at: 1_000,
      cost: 3_000,
      wait: 3_000,
      tokens: -3_000,
      why: 'larger than the burst: waits 3 s',
    },
    {
      at: 10_000,
      cost: 100,
      wait: 0,
      tokens: 1_900,
      why: 'a long quiet spell refills only to the burst',
    },
    { at: 9_000, cost: 100, wait: 0, tokens: 1_800, why: 'time going backwards earns nothing' },
  ];
  it.each(steps.map((s, i) => [i, s] as const))('step %i: %o', (i) => {
    let state: BucketState = fullBucket(cfg, 0);
    let last = { state, waitMs: 0 };
    for (const s of steps.slice(0, i + 1)) {
      last = reserve(state, cfg, s.cost, s.at);
      state = last.state;
    }
    const want = steps[i];
    expect(last.waitMs).toBe(want?.wait);
    expect(state.tokens).toBe(want?.tokens);
  });

  it('refill caps at the burst and keeps partial seconds', () => {
    expect(refill({ tokens: 0, atMs: 0 }, cfg, 250).tokens).toBe(250);
    expect(refill({ tokens: 1_900, atMs: 0 }, cfg, 250).tokens).toBe(2_000);
  });

  it('refuses a rate or burst that is not a positive number', () => {
    expect(() => new BandwidthCap({ rate: 0, burst: 10 })).toThrow(/rate must be a positive/);
    expect(() => new BandwidthCap({ rate: 10, burst: Number.NaN })).toThrow(/burst must be/);
  });

  it('BandwidthCap waits out the debt (fake clock, so only the order matters)', async () => {
    let now = 0;
    const cap = new BandwidthCap({ rate: 1_000_000, burst: 1_000 }, () => now);
    await cap.take(1_000); // the burst: no wait
    now = 0;
    const ac = new AbortController();
    ac.abort();
    // 1000 B of debt at 1 MB/s = 1 ms of waiting, which an aborted signal interrupts.
    await expect(cap.take(1_000, ac.signal)).rejects.toThrow(/aborted/i);
  });
});
