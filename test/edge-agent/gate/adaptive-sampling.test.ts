// The sampling rate as a table of (event, time) → expected rate, worked out from the rules:
// activity jumps to max_fps (or multiplies by `rise`), a quiet hold of holdSeconds keeps the rate,
// then it halves (fall 0.5) once per stepSeconds until it is back at sample_fps.
import { describe, expect, it } from 'vitest';
import {
  initialSampling,
  nextInterval,
  withSamplingConfig,
} from '../../../edge-agent/src/gate/adaptive-sampling.ts';
import type { SamplingOptions } from '../../../edge-agent/src/gate/adaptive-sampling.ts';

type Row = [t: number, activity: boolean, fps: number];

function run(rows: Row[], options: SamplingOptions = {}, sample_fps = 1, max_fps = 4) {
  let state = initialSampling({ sample_fps, max_fps }, options);
  return rows.map(([t, activity]) => {
    const d = nextInterval(state, { activity }, t);
    state = d.state;
    return [t, activity, d.state.fps, d.intervalS] as const;
  });
}

const expectRows = (rows: Row[], options?: SamplingOptions, lo?: number, hi?: number) => {
  const got = run(rows, options, lo, hi);
  expect(got.map(([t, a, fps]) => [t, a, fps])).toEqual(rows);
  for (const [, , fps, interval] of got) expect(interval).toBeCloseTo(1 / fps, 12);
};

describe('adaptive sampling (sample_fps 1, max_fps 4, hold 5 s, step 2 s, fall 0.5)', () => {
  it('stays at sample_fps while quiet', () => {
    expectRows([
      [0, false, 1],
      [1, false, 1],
      [2, false, 1],
    ]);
  });

  it('jumps to max_fps on activity, holds 5 s, then halves every 2 s back to sample_fps', () => {
    expectRows([
      [0, false, 1],
      [1, true, 4], // activity
      [1.25, false, 4],
      [5.75, false, 4], // 4.75 s quiet: still holding
      [6, false, 2], // 5 s quiet: first step down
      [7, false, 2], // 1 s since the step
      [8, false, 1], // 2 s since the step
      [9, false, 1], // floor
    ]);
  });

  it('restarts the hold on any activity, even while stepping down', () => {
    expectRows([
      [0, true, 4],
      [5, false, 2],
      [6, true, 4], // back up
      [10, false, 4], // only 4 s quiet
      [11, false, 2],
      [12, false, 2],
      [13, false, 1],
    ]);
  });

  it('rises gradually with rise = 2', () => {
    expectRows(
      [
        [0, true, 2],
        [1, true, 4],
        [1.25, true, 4], // capped at max_fps
        [6.25, false, 2],
      ],
      { rise: 2 },
    );
  });

  it('never leaves [sample_fps, max_fps] with odd ratios (sample 2, max 3)', () => {
    expectRows(
      [
        [0, true, 3],
        [5, false, 2], // 3 × 0.5 = 1.5, clamped to 2
        [10, false, 2],
      ],
      {},
      2,
      3,
    );
  });

  it('does nothing when sample_fps equals max_fps', () => {
    expectRows(
      [
        [0, true, 2],
        [10, false, 2],
      ],
      {},
      2,
      2,
    );
  });
});

describe('adaptive sampling config', () => {
  it('clamps the current rate into a reloaded range', () => {
    let s = initialSampling({ sample_fps: 1, max_fps: 8 });
    s = nextInterval(s, { activity: true }, 0).state;
    expect(s.fps).toBe(8);
    s = withSamplingConfig(s, { sample_fps: 1, max_fps: 4 });
    expect(s.fps).toBe(4);
    s = withSamplingConfig(s, { sample_fps: 5, max_fps: 6 });
    expect(s.fps).toBe(5);
  });

  it('rejects impossible settings with the reason', () => {
    expect(() => initialSampling({ sample_fps: 0, max_fps: 4 })).toThrow(
      'sample_fps must be a positive number, got 0',
    );
    expect(() => initialSampling({ sample_fps: 2, max_fps: 1 })).toThrow(
      'max_fps must be at least sample_fps (2), got 1',
    );
    expect(() => initialSampling({ sample_fps: 1, max_fps: 4 }, { fall: 1 })).toThrow(
      'fall must be between 0 and 1, got 1',
    );
  });

  it('does not change the state it is given (pure)', () => {
    const s = initialSampling({ sample_fps: 1, max_fps: 4 });
    const copy = structuredClone(s);
    nextInterval(s, { activity: true }, 3);
    expect(s).toEqual(copy);
  });
});
