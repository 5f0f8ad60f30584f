// Building several models: a broken one is reported with its reason and the others still build;
// a changed source file is named as the reason for a rebuild.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModels } from '../../../models/src/build/build-models.ts';
import { findModelSpec, type ModelSpec } from '../../../models/src/build/catalog.ts';
import { createProgress } from '../../../models/src/build/progress.ts';
import { compareStamp } from '../../../models/src/build/stamp.ts';

const work = mkdtempSync(path.join(tmpdir(), 'pretag-build-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('buildModels', () => {
  it('reports a model that cannot be built and still builds the rest', async () => {
    const good = findModelSpec('blazeface-back') as ModelSpec;
    const broken: ModelSpec = { ...good, name: 'ghost', sourceJson: 'models/ghost.json' };
    const lines: string[] = [];
    const results = await buildModels({
      outDir: work,
      catalog: [broken, good],
      progress: createProgress({ write: (s: string) => lines.push(s) }),
    });
    expect(results.map((r) => r.status)).toEqual(['failed', 'built']);
    const failure = results[0];
    expect(failure?.status === 'failed' && failure.error).toMatch(/ghost\.json/);
    expect(lines.join('')).toMatch(/^\[1\/2\] ghost: FAILED: .*ghost\.json/m);
    expect(lines.join('')).toMatch(/^\[2\/2\] blazeface-back: card: blazeface-back\.card\.json/m);
  });

  it('names the changed source file as the reason to rebuild', () => {
    const old = {
      converterVersion: '1',
      sources: { 'm.json': 'a', 'm.bin': 'b' },
      outputs: { 'm.onnx': 'c' },
    };
    expect(
      compareStamp(
        old,
        { converterVersion: '1', sources: { 'm.json': 'a', 'm.bin': 'B' } },
        { 'm.onnx': 'c' },
      ),
    ).toEqual({ rebuild: true, reason: 'source m.bin changed' });
    expect(
      compareStamp(old, { converterVersion: '1', sources: old.sources }, { 'm.onnx': 'c' }),
    ).toEqual({ rebuild: false });
  });
});
