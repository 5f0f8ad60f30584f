// Every raw box is stored once with the cleanup outcome; the drop reasons below are worked out
// by hand from the rules.
import { describe, expect, it } from 'vitest';
import { PERMISSIVE_RULES } from '../../../cloud-hub/src/cleanup/rules.ts';
import { toCloudDetections } from '../../../cloud-hub/src/workers/index.ts';

const frame = { width: 100, height: 100 };
const rules = {
  ...PERMISSIVE_RULES,
  classes: ['person', 'car', 'truck'],
  minScore: 0.3,
  nmsIou: 0.5,
  duplicateIou: 0.8,
  rename: { truck: 'vehicle' },
};

describe('cloud detections with cleanup outcomes', () => {
  it('keeps, renames and gives each dropped box the check that removed it', () => {
    const out = toCloudDetections(
      [
        { label: 'person', score: 0.9, box: [10, 10, 30, 50] }, // kept
        { label: 'person', score: 0.8, box: [11, 10, 31, 50] }, // IoU with the first ≈ 0.905 > 0.5: nms
        { label: 'dog', score: 0.9, box: [60, 60, 80, 80] }, // not allowed: class
        { label: 'car', score: 0.2, box: [60, 10, 90, 30] }, // below 0.3: score
        { label: 'truck', score: 0.95, box: [50, 50, 90, 90] }, // kept as "vehicle"
        { label: 'car', score: 0.6, box: [50, 50, 90, 89] }, // IoU with the truck 0.975 > 0.8: duplicate
      ],
      rules,
      frame,
    );
    expect(out).toEqual([
      { label: 'person', score: 0.9, box: [10, 10, 30, 50], kept: true },
      { label: 'person', score: 0.8, box: [11, 10, 31, 50], kept: false, dropReason: 'nms' },
      { label: 'dog', score: 0.9, box: [60, 60, 80, 80], kept: false, dropReason: 'class' },
      { label: 'car', score: 0.2, box: [60, 10, 90, 30], kept: false, dropReason: 'score' },
      { label: 'vehicle', score: 0.95, box: [50, 50, 90, 90], kept: true },
      { label: 'car', score: 0.6, box: [50, 50, 90, 89], kept: false, dropReason: 'duplicate' },
    ]);
  });
});
