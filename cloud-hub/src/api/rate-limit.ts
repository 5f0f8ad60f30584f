// Token buckets per caller: `burst` requests at once, refilled at `perSecond`. Pure apart from
// the clock it is given. Idle callers' buckets are evicted oldest-first past `maxKeys`, so a
// flood of distinct keys costs bounded memory (an evicted caller simply starts with a full bucket).

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): Take;
  /** Seconds until `key` may call again, without spending anything; 0 when it may now. */
  waitFor(key: string): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(
  settings: RateLimitSettings,
  now: () => number = Date.now,
  maxKeys = 100_000,
): RateLimiter {
  const { perSecond, burst } = settings;
  if (!(perSecond > 0) || !(burst >= 1) || !Number.isFinite(perSecond) || !Number.isFinite(burst))
    throw new RangeError(
      `rate limit needs perSecond > 0 and burst ≥ 1 (got ${perSecond}, ${burst})`,
    );
  const buckets = new Map<string, Bucket>();
  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * perSecond);
    b.at = t;
  };
  const wait = (tokens: number) => Math.max(1, Math.ceil((1 - tokens) / perSecond));
  return {
    waitFor(key) {
      const b = buckets.get(key);
      if (!b) return 0;
      refill(b, now());
      return b.tokens >= 1 ? 0 : wait(b.tokens);
    },
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: burst, at: t };
      refill(b, t);
      // Re-insert so the Map's order is least-recently-used first.
      buckets.delete(key);
      buckets.set(key, b);
      while (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true, remaining: Math.floor(b.tokens) };
      }
      return { ok: false, retryAfterSeconds: wait(b.tokens) };
    },
  };
}
