// hub.yaml's loop settings: defaults, and bad values reported as file:line key with the reason.
import { describe, expect, it } from 'vitest';
import { formatConfigErrors, parseConfig } from '@pretag/shared/config/load';
import { loopSettingsFromConfig } from '../../../cloud-hub/src/quality/settings.ts';

describe('hub.yaml quality, drift, qa.overlap and shadow', () => {
  it('has stated defaults and no shadow model unless one is named', () => {
    const r = parseConfig('listen: { port: 8080 }\n', 'hub.yaml', 'hub');
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.shadow).toBeUndefined();
    expect(loopSettingsFromConfig(r.config)).toMatchObject({
      quality: { minReviews: 30, confidence: 0.95 },
      drift: { alpha: 0.01, minEffect: 0.1, minCount: 50 },
      overlap: { share: 0, seed: 1 },
    });
  });

  it('reads a shadow candidate and an overlap share', () => {
    const text = [
      'listen: { port: 8080 }',
      'qa: { overlap: 0.05 }',
      'shadow:',
      '  model: { adapter: nanodet, file: models/candidate.onnx }',
      '  share: 0.25',
    ].join('\n');
    const r = parseConfig(text, 'hub.yaml', 'hub');
    if (!r.ok) throw new Error(formatConfigErrors(r.errors));
    expect(r.config.shadow).toMatchObject({
      model: { adapter: 'nanodet', file: 'models/candidate.onnx', providers: ['cpu'] },
      share: 0.25,
      min_score: 0.05,
    });
    expect(r.config.qa.overlap).toBe(0.05);
  });

  it('names the file, line and key of a bad value', () => {
    const text = [
      'listen: { port: 8080 }',
      'shadow:',
      '  model: { adapter: nanodet }',
      '  share: 1.5',
      'drift: { alpha: 0 }',
    ].join('\n');
    const r = parseConfig(text, 'hub.yaml', 'hub');
    expect(r.ok).toBe(false);
    const msg = r.ok ? '' : formatConfigErrors(r.errors);
    expect(msg).toMatch(/^hub\.yaml:4:\d+ shadow\.share: expected a number between 0 and 1/m);
    expect(msg).toMatch(/^hub\.yaml:5:\d+ drift\.alpha: expected a significance level above 0/m);
  });
});
