// Agreement rule on boxes worked by hand, and the share picker's spread over sequential ids.
import { describe, expect, it } from 'vitest';
import { frameAgreement, sumAgreement } from '../../../cloud-hub/src/shadow/agreement.ts';
import { inShadowShare } from '../../../cloud-hub/src/shadow/select.ts';

describe('agreement', () => {
  it('matches within a class at IoU ≥ 0.5 and counts the union of objects', () => {
    const prod = [
      { label: 'person', score: 0.9, box: [0, 0, 10, 10] as [number, number, number, number] },
      { label: 'person', score: 0.8, box: [20, 20, 30, 30] as [number, number, number, number] },
    ];
    const cand = [
      // IoU with the first: overlap 9 × 10 = 90, union 100 + 100 − 90 = 110 → 0.818.
      { label: 'person', score: 0.7, box: [1, 0, 11, 10] as [number, number, number, number] },
      { label: 'person', score: 0.6, box: [50, 50, 60, 60] as [number, number, number, number] },
      // Same place as a person, other class: never matched across classes.
      { label: 'car', score: 0.5, box: [0, 0, 10, 10] as [number, number, number, number] },
    ];
    const f = frameAgreement(prod, cand);
    expect(f).toEqual([
      { class: 'car', production: 0, candidate: 1, matched: 0, union: 1, agreement: 0 },
      { class: 'person', production: 2, candidate: 2, matched: 1, union: 3, agreement: 1 / 3 },
    ]);
    const sum = sumAgreement([f, f]);
    expect(sum.at(-1)).toEqual({
      class: 'all',
      production: 4,
      candidate: 6,
      matched: 2,
      union: 8,
      agreement: 0.25,
    });
  });

  it('a box just under IoU 0.5 is not a match', () => {
    // [0,0,10,10] inside [0,0,10,20.1]: overlap 100, union 201, IoU 0.4975.
    const f = frameAgreement(
      [{ label: 'person', score: 1, box: [0, 0, 10, 10] }],
      [{ label: 'person', score: 1, box: [0, 0, 10, 20.1] }],
    );
    expect(f[0]?.matched).toBe(0);
  });
});

describe('shadow share', () => {
  it('picks about the share of sequential frame ids, never at 0, always at 1', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `cam-1-${String(i).padStart(6, '0')}`);
    const n = ids.filter((id) => inShadowShare(id, 0.1)).length;
    expect(n / ids.length).toBeGreaterThan(0.09);
    expect(n / ids.length).toBeLessThan(0.11);
    expect(ids.some((id) => inShadowShare(id, 0))).toBe(false);
    expect(ids.every((id) => inShadowShare(id, 1))).toBe(true);
  });
});
