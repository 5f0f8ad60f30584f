// Collects frames and hands them to the ledger in one transaction every `maxItems` frames or
// `maxWaitMs` after the first one waiting, whichever comes first.
import type { IngestItem, IngestResult } from '../ledger/index.ts';

export interface FrameBatcherOptions {
  maxItems: number;
  maxWaitMs: number;
  write(items: readonly IngestItem[]): IngestResult[];
  /** Called after each write with what the ledger said. */
  onResults?(items: readonly IngestItem[], results: readonly IngestResult[]): void;
}

export interface FrameBatcher {
  add(item: IngestItem): void;
  /** Writes whatever is waiting now. */
  flush(): void;
  pending(): number;
  close(): void;
}

export function createFrameBatcher(o: FrameBatcherOptions): FrameBatcher {
  if (!(Number.isInteger(o.maxItems) && o.maxItems >= 1))
    throw new RangeError(`maxItems must be a whole number ≥ 1 (got ${o.maxItems})`);
  if (!(Number.isFinite(o.maxWaitMs) && o.maxWaitMs >= 0))
    throw new RangeError(`maxWaitMs must be ≥ 0 (got ${o.maxWaitMs})`);
  let items: IngestItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (items.length === 0) return;
    const batch = items;
    items = [];
    const results = o.write(batch);
    o.onResults?.(batch, results);
  };
  return {
    add(item) {
      items.push(item);
      if (items.length >= o.maxItems) flush();
      else timer ??= setTimeout(flush, o.maxWaitMs);
    },
    flush,
    pending: () => items.length,
    close: flush,
  };
}
