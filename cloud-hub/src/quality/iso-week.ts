// ISO 8601 weeks (Monday first; week 1 holds the year's first Thursday), in UTC. Pure.

const DAY_MS = 86_400_000;

/** "2026-W48" and the Monday it starts on (YYYY-MM-DD). */
export function isoWeek(ms: number): { week: string; start: string } {
  const d = new Date(ms);
  const dayNum = (d.getUTCDay() + 6) % 7; // Monday 0
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - dayNum * DAY_MS;
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return {
    week: `${year}-W${String(week).padStart(2, '0')}`,
    start: new Date(monday).toISOString().slice(0, 10),
  };
}
