// Which annotation batch a frame belongs in, and which status changes a batch may make. Pure.
//
// camera-day: one batch per site, camera and local calendar day (the site's time zone), split
//   into further batches of at most `size` frames; a day's batches become ready once the day is
//   over (or when full).
// every-n: frames in capture order, `size` per batch, across cameras; ready when full.

export type GroupBy = 'camera-day' | 'every-n';

export interface BatchPolicy {
  groupBy: GroupBy;
  /** Frames per batch (every-n) or the most frames in one batch (camera-day). */
  size: number;
}

export const BATCH_STATUSES = ['open', 'ready', 'exported', 'annotated'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

const NEXT: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = {
  open: ['ready'],
  ready: ['exported'],
  // Exporting again (say, with a new public URL) keeps the batch exported.
  exported: ['exported', 'annotated'],
  annotated: [],
};

export function canMove(from: BatchStatus, to: BatchStatus): boolean {
  return NEXT[from].includes(to);
}

export interface BatchKey {
  site: string | null;
  camera: string | null;
  /** YYYY-MM-DD in the site's time zone, for camera-day. */
  day: string | null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(ms: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

export function batchKeyOf(
  frame: { site: string; camera: string; capturedAtMs: number },
  policy: BatchPolicy,
  timeZone: string,
): BatchKey {
  if (policy.groupBy === 'every-n') return { site: null, camera: null, day: null };
  return { site: frame.site, camera: frame.camera, day: localDay(frame.capturedAtMs, timeZone) };
}

/** A readable, unique batch id: the key and a sequence number. */
export function batchId(key: BatchKey, seq: number): string {
  const n = String(seq).padStart(4, '0');
  return key.day === null ? `n-${n}` : `${key.site}.${key.camera}.${key.day}.${n}`;
}
