import { describe, expect, it } from 'vitest';
import { cleanDetections } from '../../../cloud-hub/src/cleanup/clean.ts';
import { parseAreaLimit, rulesFromSettings } from '../../../cloud-hub/src/cleanup/from-config.ts';
import { CLEANUP_BUILTIN_DEFAULTS } from '../../../shared/src/config/hub-schema.ts';
import { formatConfigErrors, parseConfig } from '../../../shared/src/config/load.ts';
import { cleanupAt } from '../../../shared/src/config/resolve.ts';
import type { BoxXYXY } from '../../../shared/src/detection/types.ts';

describe('rulesFromSettings', () => {
  it('maps hub.yaml cleanup settings onto rules, keeping units', () => {
    const r = rulesFromSettings({
      ...CLEANUP_BUILTIN_DEFAULTS,
      classes: ['person', 'motorcycle'],
      rename: { motorcycle: 'motorbike' },
      class_min_score: { person: 0.4 },
      min_area: '100px',
      max_area: 0.9,
      masks: [[0, 0, 0.2, 0, 0.2, 0.1, 0, 0.1]],
    });
    expect(r).toEqual({
      classes: ['person', 'motorcycle'],
      rename: { motorcycle: 'motorbike' },
      minScore: 0.3,
      classMinScore: { person: 0.4 },
      minArea: { pixels: 100 },
      maxArea: { fraction: 0.9 },
      aspectRatio: { min: 0.05, max: 20 },
      masks: [[0, 0, 0.2, 0, 0.2, 0.1, 0, 0.1]],
      maskAnchor: 'bottom-centre',
      nmsIou: 0.5,
      duplicateIou: 0.9,
      clip: true,
    });
  });

  it('takes the anchor and clipping hub.yaml does not carry', () => {
    const r = rulesFromSettings(CLEANUP_BUILTIN_DEFAULTS, { maskAnchor: 'centre', clip: false });
    expect([r.maskAnchor, r.clip]).toEqual(['centre', false]);
  });

  it('parses area limits the way hub.yaml writes them', () => {
    expect(parseAreaLimit(0.001)).toEqual({ fraction: 0.001 });
    expect(parseAreaLimit(' 400 px')).toEqual({ pixels: 400 });
    expect(parseAreaLimit('12.5px')).toEqual({ pixels: 12.5 });
    expect(parseAreaLimit('400')).toBeUndefined();
    expect(parseAreaLimit(NaN)).toBeUndefined();
  });
});

describe('hub.yaml → cleanupAt → rulesFromSettings → cleanDetections', () => {
  const yaml = [
    'listen: { port: 8080 }',
    'cleanup:',
    '  defaults:',
    '    classes: [person, car]',
    '    min_score: 0.3',
    '    schedule:',
    "      - { from: '20:00', to: '06:00', min_score: 0.6 }",
    '  cameras:',
    '    dock-door-3:',
    '      masks: [[0, 0.8, 1, 0.8, 1, 1, 0, 1]]',
  ].join('\n');
  const parsed = parseConfig(yaml, 'hub.yaml', 'hub');
  if (!parsed.ok) throw new Error(formatConfigErrors(parsed.errors));
  const config = parsed.config;
  const frame = { width: 100, height: 100 };
  const car = { label: 'car', score: 0.5, box: [10, 10, 50, 50] as BoxXYXY };
  const person = { label: 'person', score: 0.9, box: [60, 60, 80, 95] as BoxXYXY }; // bottom-centre y 0.95
  const run = (camera: string, at: string) =>
    cleanDetections(
      [car, person],
      rulesFromSettings(cleanupAt(config, { camera }, new Date(at)).settings),
      frame,
    );

  it('by day at the dock door: the car stays, the person standing in the mask goes', () => {
    const r = run('dock-door-3', '2026-11-27T12:00:00Z');
    expect(r.kept).toEqual([car]);
    expect(r.dropped.mask).toBe(1);
  });

  it('at night the schedule raises min_score to 0.6 and the 0.5 car goes too', () => {
    const r = run('dock-door-3', '2026-11-27T22:00:00Z');
    expect(r.kept).toEqual([]);
    expect(r.dropped.score).toBe(1);
  });

  it('a camera without a mask keeps the person', () => {
    expect(run('yard-east', '2026-11-27T12:00:00Z').kept).toEqual([car, person]);
  });
});
