// Time-of-day windows in the site's time zone. Local wall time comes from Intl (the ICU time
// zone database), so DST changes are handled by the same rules the OS uses; no hand-made offsets.

/** The part of a schedule window this module needs: "HH:MM" start (inclusive) and end (exclusive). */
export interface TimeWindow {
  from: string;
  to: string;
}

const MINUTES_PER_DAY = 1440;

/** Minutes since local midnight for "HH:MM"; "24:00" is 1440. */
export function minuteOfDay(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Half-open minute ranges [start, end) on one day; a window that crosses midnight gives two. */
export function windowRanges(w: TimeWindow): Array<[number, number]> {
  const from = minuteOfDay(w.from) % MINUTES_PER_DAY;
  const to = minuteOfDay(w.to) % MINUTES_PER_DAY;
  if (from < to) return [[from, to]];
  if (to === 0) return [[from, MINUTES_PER_DAY]];
  return [
    [from, MINUTES_PER_DAY],
    [0, to],
  ];
}

/** True when the window starts and ends at the same wall time (a window of no length, or of all day). */
export function isEmptyWindow(w: TimeWindow): boolean {
  return minuteOfDay(w.from) % MINUTES_PER_DAY === minuteOfDay(w.to) % MINUTES_PER_DAY;
}

export function windowsOverlap(a: TimeWindow, b: TimeWindow): boolean {
  return windowRanges(a).some(([a0, a1]) => windowRanges(b).some(([b0, b1]) => a0 < b1 && b0 < a1));
}

/** Index pairs [earlier, later] of windows in one list that overlap. */
export function overlappingPairs(windows: readonly TimeWindow[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let j = 1; j < windows.length; j++)
    for (let i = 0; i < j; i++) {
      const a = windows[i];
      const b = windows[j];
      if (a && b && !isEmptyWindow(a) && !isEmptyWindow(b) && windowsOverlap(a, b))
        pairs.push([i, j]);
    }
  return pairs;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall-clock time of an instant in an IANA time zone. */
export function localTime(
  instant: Date,
  timeZone: string,
): { date: string; hour: number; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** The first window of `schedule` that contains the local wall time of `instant`, with its index. */
export function activeWindow<W extends TimeWindow>(
  schedule: readonly W[],
  instant: Date,
  timeZone: string,
): { index: number; window: W } | undefined {
  const t = localTime(instant, timeZone);
  const minute = t.hour * 60 + t.minute;
  for (const [index, window] of schedule.entries())
    if (windowRanges(window).some(([a, b]) => minute >= a && minute < b)) return { index, window };
  return undefined;
}
