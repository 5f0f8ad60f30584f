// The edge model is scored on the boxes it stood behind: weak boxes (below the min score in the
// frame's thresholds), sent only for context on frames with no accepted detection, are left out.
import { describe, expect, it } from 'vitest';
import { edgeBoxes } from '../../../cloud-hub/src/quality/load.ts';

const sent = JSON.stringify([
  { label: 'person', score: 0.81, box: [10, 20, 110, 320] },
  { label: 'person', score: 0.35, box: [200, 20, 260, 200] },
  { label: 'car', score: 0.2, box: [400, 300, 700, 500] },
]);

describe('edgeBoxes', () => {
  it.each([
    { minScore: 0.35, labels: ['person 0.81', 'person 0.35'] }, // the threshold itself passes
    { minScore: 0.5, labels: ['person 0.81'] },
    { minScore: 0.9, labels: [] },
    { minScore: undefined, labels: ['person 0.81', 'person 0.35', 'car 0.2'] }, // older frames
  ])('min score $minScore keeps $labels', ({ minScore, labels }) => {
    expect(edgeBoxes(sent, minScore).map((b) => `${b.label} ${b.score}`)).toEqual(labels);
  });

  it('reads nothing from a damaged or hostile column', () => {
    expect(edgeBoxes('not json', 0.3)).toEqual([]);
    expect(edgeBoxes('{"label":"person"}', 0.3)).toEqual([]);
    expect(edgeBoxes('[{"label":"person","score":"0.9","box":[0,0,1,1]}]', 0.3)).toEqual([]);
    expect(edgeBoxes('[{"label":"person","score":0.9,"box":[0,0,1]}]', 0.3)).toEqual([]);
  });
});
