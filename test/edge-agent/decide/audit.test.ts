// Audit draws. For n = 10,000 rejected frames at rate p the audited count is binomial:
//   p = 0.01: mean 100,   sd = √(10,000 × 0.01 × 0.99) = √99  = 9.950;  99.9 % two-sided
//             (z = 3.2905): 100 ± 32.74 → [67.3, 132.7] → 68..132 frames.
//   p = 0.1:  mean 1,000, sd = √(10,000 × 0.1 × 0.9)   = √900 = 30;     1,000 ± 98.7 → 902..1,098.
//   p = 0.05: mean 500,   sd = √(10,000 × 0.05 × 0.95) = √475 = 21.79;  500 ± 71.7 → 429..571.
import { EDGE_BUILTIN_DEFAULTS } from '@pretag/shared/config/edge-schema';
import { describe, expect, it } from 'vitest';
import { AuditSampler } from '../../../edge-agent/src/decide/audit.ts';
import { createDecisionState, decideFrame } from '../../../edge-agent/src/decide/decide-frame.ts';

function auditedIndices(seed: number, rate: number, n = 10_000): number[] {
  const s = new AuditSampler(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (s.draw(rate)) out.push(i);
  return out;
}

describe('AuditSampler', () => {
  it.each([
    [0.01, 68, 132],
    [0.1, 902, 1098],
  ])(
    'rate %s over 10,000 draws lands in the 99.9 %% interval [%s, %s] for 5 seeds',
    (rate, lo, hi) => {
      for (const seed of [1, 2, 3, 42, 2026]) {
        const n = auditedIndices(seed, rate).length;
        expect(n).toBeGreaterThanOrEqual(lo);
        expect(n).toBeLessThanOrEqual(hi);
      }
    },
  );

  it('the same seed picks the same frames; another seed picks others', () => {
    expect(auditedIndices(7, 0.01)).toEqual(auditedIndices(7, 0.01));
    expect(auditedIndices(8, 0.01)).not.toEqual(auditedIndices(7, 0.01));
  });

  it('rate 0 never audits, rate 1 always does', () => {
    expect(auditedIndices(1, 0, 1000)).toEqual([]);
    expect(auditedIndices(1, 1, 1000)).toHaveLength(1000);
  });

  it('refuses a rate outside 0..1, saying which', () => {
    expect(() => new AuditSampler(1).draw(1.5)).toThrow('audit_rate must be within 0..1, got 1.5');
    expect(() => new AuditSampler(1).draw(Number.NaN)).toThrow(/got NaN/);
  });
});

describe('audit through decideFrame', () => {
  const settings = { ...EDGE_BUILTIN_DEFAULTS, audit_rate: 0.05 };
  const gray = { width: 8, height: 8, data: new Uint8Array(64) };
  const closed = { open: false, motion: { score: 0, boxes: [] } };

  function run(seed: number) {
    const state = createDecisionState(settings, { seed });
    const audited: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const d = decideFrame(state, {
        t: i * 0.5,
        settings,
        frame: { width: 640, height: 360 },
        gray,
        gate: closed,
        detections: undefined,
      });
      if (d.decision === 'upload') {
        expect(d).toMatchObject({ reason: 'audit', rejectedAs: 'gate-closed', detections: [] });
        audited.push(i);
      }
    }
    return { audited, counts: state.counters.current };
  }

  it('audits 429..571 of 10,000 gate-closed frames at rate 0.05, reproducibly, and counts them', () => {
    const a = run(2026);
    expect(a.audited.length).toBeGreaterThanOrEqual(429);
    expect(a.audited.length).toBeLessThanOrEqual(571);
    expect(run(2026).audited).toEqual(a.audited);
    expect(a.counts).toMatchObject({
      sampled: 10_000,
      gated: 0,
      inferred: 0,
      uploaded: a.audited.length,
      audited: a.audited.length,
      motion: 0,
    });
    expect(a.counts.skipped['gate-closed']).toBe(10_000 - a.audited.length);
  });
});
