// Day-range query parameters shared by the quality, shadow and drift routes.
import { ApiError } from '../errors.ts';
import { dayStart } from '../reports/daily.ts';

export const DAY_MS = 86_400_000;
export const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
export const MAX_DAYS = 366;

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** [from, to] days, inclusive, with defaults: `to` today, `from` `defaultDays` − 1 days earlier. */
export function dayRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  defaultDays: number,
): { from: string; to: string; fromMs: number; toMs: number } {
  const to = q.to ?? dayOf(now);
  const toStart = dayStart(to);
  if (toStart === undefined) throw new ApiError(400, `to "${to}" is not a real day YYYY-MM-DD`);
  const from = q.from ?? dayOf(toStart - (defaultDays - 1) * DAY_MS);
  const fromMs = dayStart(from);
  if (fromMs === undefined) throw new ApiError(400, `from "${from}" is not a real day YYYY-MM-DD`);
  if (fromMs > toStart) throw new ApiError(400, 'from must not be after to');
  if ((toStart - fromMs) / DAY_MS >= MAX_DAYS)
    throw new ApiError(400, `a range covers at most ${MAX_DAYS} days`);
  return { from, to, fromMs, toMs: toStart + DAY_MS };
}
