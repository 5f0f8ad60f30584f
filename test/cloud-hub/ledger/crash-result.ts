// The cloud result both the crash worker and the test's own worker store: three boxes per frame,
// tagged with the worker that produced them so the test can tell whose result landed.
import type { CloudResult } from '../../../cloud-hub/src/ledger/index.ts';

export const BOXES_PER_FRAME = 3;

export function cloudResultFor(frameId: string, owner: string): CloudResult {
  return {
    modelId: `cloud@${owner}`,
    detections: Array.from({ length: BOXES_PER_FRAME }, (_, k) => ({
      label: 'person',
      score: 0.5 + k / 10,
      box: [k * 10, k * 10, k * 10 + 50, k * 10 + 90] as [number, number, number, number],
    })),
  };
}
