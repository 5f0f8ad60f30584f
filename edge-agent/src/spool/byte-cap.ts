// Which spooled frames to drop so a new one fits under spool.max_bytes: the oldest first, never
// the newcomer. Pure, so the rule is tested on its own.

export interface SizedItem {
  frameId: string;
  bytes: number;
}

export type ByteCapPlan =
  | { fits: true; drop: string[]; freedBytes: number }
  /** The new frame alone is larger than the cap. */
  | { fits: false; drop: []; freedBytes: 0 };

/**
 * @param oldestFirst existing items in drain order (oldest first); read lazily, only as far as needed
 * @param totalBytes bytes currently held
 */
export function planByteCap(
  oldestFirst: Iterable<SizedItem>,
  totalBytes: number,
  incomingBytes: number,
  maxBytes: number,
): ByteCapPlan {
  if (incomingBytes > maxBytes) return { fits: false, drop: [], freedBytes: 0 };
  const drop: string[] = [];
  let held = totalBytes;
  for (const item of oldestFirst) {
    if (held + incomingBytes <= maxBytes) break;
    drop.push(item.frameId);
    held -= item.bytes;
  }
  return { fits: true, drop, freedBytes: totalBytes - held };
}

/** The oldest items whose bytes add up to at least `needBytes`; undefined when all together hold less. */
export function planMakeRoom(
  oldestFirst: Iterable<SizedItem>,
  needBytes: number,
): string[] | undefined {
  const drop: string[] = [];
  let freed = 0;
  for (const item of oldestFirst) {
    if (freed >= needBytes) break;
    drop.push(item.frameId);
    freed += item.bytes;
  }
  return freed >= needBytes ? drop : undefined;
}
