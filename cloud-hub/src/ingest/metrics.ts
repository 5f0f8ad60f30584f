// Ingest counters as a plain object (the API's /metrics reads it), and the "log each bad
// reason once per device" rule, so a misbehaving device cannot flood the log.
import { BAD_REASONS } from './classify.ts';
import type { BadReason } from './classify.ts';

export interface IngestMetrics {
  messages: number;
  frames: { received: number; inserted: number; duplicates: number; conflicts: number };
  status: number;
  stats: number;
  bad: Record<BadReason, number>;
  flushes: number;
}

export function emptyMetrics(): IngestMetrics {
  return {
    messages: 0,
    frames: { received: 0, inserted: 0, duplicates: 0, conflicts: 0 },
    status: 0,
    stats: 0,
    bad: Object.fromEntries(BAD_REASONS.map((r) => [r, 0])) as Record<BadReason, number>,
    flushes: 0,
  };
}

export function copyMetrics(m: IngestMetrics): IngestMetrics {
  return { ...m, frames: { ...m.frames }, bad: { ...m.bad } };
}

/** True the first time a (reason, device) pair is seen; bounded so hostile ids cannot grow it. */
export function createOnceFilter(limit = 10_000): (reason: string, device: string) => boolean {
  const seen = new Set<string>();
  return (reason, device) => {
    const k = `${reason}\u0000${device}`;
    if (seen.has(k) || seen.size >= limit) return false;
    seen.add(k);
    return true;
  };
}
