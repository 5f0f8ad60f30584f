// What happens to a job after a failed attempt: a retry after an exponentially growing delay, or
// the dead-letter state once it has had its attempts. Pure, so the schedule is testable by table.

export interface RetryPolicy {
  /** Attempts (leases) a job gets before it is dead-lettered. */
  maxAttempts: number;
  /** Delay before the first retry; doubles with each further attempt. */
  baseDelayMs: number;
  /** Upper bound on the delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
};

/** Delay before the retry that follows failed attempt number `attempt` (1-based). */
export function retryDelayMs(attempt: number, policy: RetryPolicy): number {
  const exp = Math.max(0, attempt - 1);
  // 2^exp overflows to Infinity for huge exp; min() keeps the cap.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exp);
}

export type AfterFailure = { state: 'failed'; nextRunAt: number } | { state: 'dead' };

/** The next state of a job whose attempt number `attempts` just failed at `now`. */
export function afterFailure(attempts: number, now: number, policy: RetryPolicy): AfterFailure {
  if (attempts >= policy.maxAttempts) return { state: 'dead' };
  return { state: 'failed', nextRunAt: now + retryDelayMs(attempts, policy) };
}

/** Why a policy is unusable, or undefined. */
export function retryPolicyProblem(p: RetryPolicy): string | undefined {
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1)
    return `maxAttempts must be a whole number ≥ 1 (got ${p.maxAttempts})`;
  if (!(Number.isFinite(p.baseDelayMs) && p.baseDelayMs >= 0))
    return `baseDelayMs must be ≥ 0 (got ${p.baseDelayMs})`;
  if (!(Number.isFinite(p.maxDelayMs) && p.maxDelayMs >= p.baseDelayMs))
    return `maxDelayMs must be ≥ baseDelayMs (got ${p.maxDelayMs})`;
  return undefined;
}
