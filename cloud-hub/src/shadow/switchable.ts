// A detector whose model can be swapped while the hub (or an external worker) runs: detections
// that start after swap() use the new model; a detection already running finishes on the old
// one, and idle(old) says when the last of those is done, so the old model can then be closed.
import type { Detector, DetectorInfo } from '@pretag/shared/detector/types';

export interface SwitchableDetector extends Detector {
  /** Puts `next` in production; returns the detector it replaced (the caller closes it). */
  swap(next: Detector): Detector;
  current(): Detector;
  /** Resolves once no detection started on `d` through this wrapper is still running. */
  idle(d: Detector): Promise<void>;
}

export function createSwitchableDetector(initial: Detector): SwitchableDetector {
  let cur = initial;
  const running = new Map<Detector, number>();
  const waiters = new Map<Detector, (() => void)[]>();
  const track = async <T>(run: (d: Detector) => Promise<T>): Promise<T> => {
    const d = cur;
    running.set(d, (running.get(d) ?? 0) + 1);
    try {
      return await run(d);
    } finally {
      const n = (running.get(d) ?? 1) - 1;
      if (n > 0) running.set(d, n);
      else {
        running.delete(d);
        for (const w of waiters.get(d) ?? []) w();
        waiters.delete(d);
      }
    }
  };
  return {
    get info(): DetectorInfo {
      return cur.info;
    },
    detect: (image) => track((d) => d.detect(image)),
    detectBatch: (images) => track((d) => d.detectBatch(images)),
    close: () => cur.close(),
    swap(next) {
      const old = cur;
      cur = next;
      return old;
    },
    current: () => cur,
    idle: (d) =>
      running.has(d)
        ? new Promise<void>((resolve) => waiters.set(d, [...(waiters.get(d) ?? []), resolve]))
        : Promise.resolve(),
  };
}
