// Edge counters from stats messages, summed per camera per UTC hour: the hour the message's
// window started in (windows are seconds to minutes long, so the split is at most one window).
import type Database from 'better-sqlite3';
import type { StatsPayload } from '@pretag/shared/mqtt/payloads';

const HOUR_MS = 3_600_000;

/** Start of the UTC hour containing `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

export interface EdgeStatsRow {
  site: string;
  camera: string;
  device: string;
  hourStart: number;
  decoded: number;
  sampled: number;
  gated: number;
  inferred: number;
  uploaded: number;
  audited: number;
  motion: number;
  spooledBytes: number;
  dropped: number;
  /** Stats messages summed into this row. */
  messages: number;
}

export interface EdgeStats {
  /** Adds one validated stats message; returns the number of camera rows touched. */
  record(payload: StatsPayload): number;
  /** Rows with hourStart in [from, to), by site, camera, hour. */
  between(from: number, to: number, site?: string): EdgeStatsRow[];
}

export function createEdgeStats(db: Database.Database): EdgeStats {
  const add =
    db.prepare(`INSERT INTO edge_stats (site, camera, hour_start, device, decoded, sampled, gated, inferred,
       uploaded, audited, motion, spooled_bytes, dropped, messages)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (site, camera, hour_start) DO UPDATE SET
       device = excluded.device,
       decoded = decoded + excluded.decoded,
       sampled = sampled + excluded.sampled,
       gated = gated + excluded.gated,
       inferred = inferred + excluded.inferred,
       uploaded = uploaded + excluded.uploaded,
       audited = audited + excluded.audited,
       motion = motion + excluded.motion,
       spooled_bytes = spooled_bytes + excluded.spooled_bytes,
       dropped = dropped + excluded.dropped,
       messages = messages + 1`);
  const select = db.prepare<
    [number, number, string | null, string | null],
    EdgeStatsRow
  >(`SELECT site, camera, device, hour_start AS hourStart, decoded, sampled, gated, inferred,
       uploaded, audited, motion, spooled_bytes AS spooledBytes, dropped, messages
     FROM edge_stats WHERE hour_start >= ? AND hour_start < ? AND (? IS NULL OR site = ?)
     ORDER BY site, camera, hour_start`);
  const recordTx = db.transaction((p: StatsPayload) => {
    const hour = hourStart(Date.parse(p.windowStart));
    if (!Number.isFinite(hour))
      throw new RangeError(`windowStart "${p.windowStart}" is not a time`);
    let n = 0;
    for (const [camera, c] of Object.entries(p.cameras)) {
      add.run(
        p.site,
        camera,
        hour,
        p.device,
        c.decoded,
        c.sampled,
        c.gated,
        c.inferred,
        c.uploaded,
        c.audited,
        c.motion,
        c.spooledBytes,
        c.dropped,
      );
      n++;
    }
    return n;
  });
  return {
    record: (payload) => recordTx.immediate(payload),
    between: (from, to, site) => select.all(from, to, site ?? null, site ?? null),
  };
}
