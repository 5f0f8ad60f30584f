// Retention arithmetic, pure: which receive times are old enough to delete, and when to run next.
export const DAY_MS = 86_400_000;

/**
 * Frames received strictly before the returned instant are expired: with `days` = 30 and now =
 * 2026-11-27T12:00Z, a frame received 2026-10-28T12:00Z (exactly 30 days ago) is kept.
 */
export function retentionCutoff(nowMs: number, days: number): number {
  if (!Number.isFinite(nowMs)) throw new RangeError(`now must be a time in ms (got ${nowMs})`);
  if (!(Number.isInteger(days) && days >= 1))
    throw new RangeError(`retention days must be a whole number of at least 1 (got ${days})`);
  return nowMs - days * DAY_MS;
}

/** True when a frame received at `receivedAtMs` is past retention at `nowMs`. */
export function isExpired(receivedAtMs: number, nowMs: number, days: number): boolean {
  return receivedAtMs < retentionCutoff(nowMs, days);
}
