// The session factory against the real onnxruntime-node on this machine (CPU build only).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { planProviders, sessionConfigSchema } from '@pretag/shared/detector/providers';
import { createSession } from '@pretag/shared/detector/session';
import { constantOutputModel } from './onnx-fixtures.ts';

// Independent of the code under test: the npm CPU build ships no CUDA/TensorRT provider library.
const binDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);
const gpuLibs = ['cuda', 'tensorrt'].some((p) =>
  existsSync(path.join(binDir, `libonnxruntime_providers_${p}.so`)),
);
if (gpuLibs)
  console.warn(
    'SKIP: this onnxruntime-node has GPU provider libraries; the fallback test needs a CPU-only build',
  );

function capturingLogger() {
  const lines: { level: number; msg: string; missing?: string[]; using?: string[] }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const model = constantOutputModel({ name: 'x', dims: [1, 4] }, [
  { name: 'y', dims: [1, 2], values: [7, 9] },
]);

describe.skipIf(gpuLibs)('createSession provider fallback (CPU-only machine)', () => {
  it('falls back from tensorrt through cuda to cpu with exactly one warning, and runs', async () => {
    const { logger, lines } = capturingLogger();
    const s = await createSession(
      model,
      { providers: [{ name: 'tensorrt', int8: true, engineCachePath: '/tmp/trt' }] },
      logger,
    );
    expect(s.providersRequested).toEqual(['tensorrt']);
    expect(s.providersUsed).toEqual(['cpu']);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe(
      'execution provider(s) tensorrt, cuda not available in this onnxruntime-node build; requested [tensorrt], running on [cpu]',
    );
    expect(warnings[0]?.using).toEqual(['cpu']);
    const out = await s.session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([7, 9]);
    await s.session.release();
  });

  it('warns once for cuda, and not at all for a plain cpu request', async () => {
    const a = capturingLogger();
    const s1 = await createSession(
      model,
      { providers: ['cuda', 'cpu'], intraOpThreads: 1, graphOptimizationLevel: 'basic' },
      a.logger,
    );
    expect(s1.providersUsed).toEqual(['cpu']);
    expect(a.lines.filter((l) => l.level === 40).map((l) => l.missing)).toEqual([['cuda']]);
    const b = capturingLogger();
    const s2 = await createSession(model, { providers: ['cpu'] }, b.logger);
    expect(s2.providersUsed).toEqual(['cpu']);
    expect(b.lines).toEqual([]);
    await Promise.all([s1.session.release(), s2.session.release()]);
  });
});

describe('createSession errors', () => {
  it('names the file that cannot be loaded', async () => {
    await expect(createSession('/nonexistent/model.onnx')).rejects.toThrow(
      /cannot load ONNX model \/nonexistent\/model\.onnx/,
    );
  });
  it('rejects an unknown provider name in config', async () => {
    await expect(createSession(model, { providers: ['gpu' as 'cpu'] })).rejects.toThrow(
      /providers/,
    );
  });
});

describe('planProviders', () => {
  const cfg = (providers: unknown) => sessionConfigSchema.parse({ providers }).providers;
  it('keeps the requested order when everything is there', () => {
    const plan = planProviders(
      cfg(['tensorrt', 'cuda', 'cpu']),
      new Set(['tensorrt', 'cuda', 'cpu']),
    );
    expect(plan.use.map((p) => p.name)).toEqual(['tensorrt', 'cuda', 'cpu']);
    expect(plan.missing).toEqual([]);
  });
  it('implies cuda then cpu behind tensorrt, keeping the configured device id', () => {
    const plan = planProviders(
      cfg([{ name: 'tensorrt', deviceId: 1, fp16: true }]),
      new Set(['cuda', 'cpu']),
    );
    expect(plan.use).toEqual([{ name: 'cuda', deviceId: 0 }, { name: 'cpu' }]);
    expect(plan.missing).toEqual(['tensorrt']);
  });
});
