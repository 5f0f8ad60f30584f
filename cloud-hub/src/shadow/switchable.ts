// A detector whose model can be swapped while the hub runs: jobs that start after swap() use
// the new model; a detection already running finishes on the old one.
import type { Detector, DetectorInfo } from '@pretag/shared/detector/types';

export interface SwitchableDetector extends Detector {
  /** Puts `next` in production; returns the detector it replaced (the caller closes it). */
  swap(next: Detector): Detector;
  current(): Detector;
}

export function createSwitchableDetector(initial: Detector): SwitchableDetector {
  let cur = initial;
  return {
    get info(): DetectorInfo {
      return cur.info;
    },
    detect: (image) => cur.detect(image),
    detectBatch: (images) => cur.detectBatch(images),
    close: () => cur.close(),
    swap(next) {
      const old = cur;
      cur = next;
      return old;
    },
    current: () => cur,
  };
}
