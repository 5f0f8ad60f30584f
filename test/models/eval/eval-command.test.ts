// `pretag models eval` run as a real subprocess, the way a user runs it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'shared', 'bin', 'pretag.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function pretag(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const KEYS = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
];

const coco = needMedia(
  'coco/coco2014-val-sample/ground-truth.json',
  'coco/coco2014-val-sample/detections.json',
);
const voc = needMedia(
  'images/voc100/gt_coco_instances_default.json',
  'images/voc100/dets_coco_format.json',
);

describe.skipIf(!coco.ok)('pretag models eval on the COCO sample', () => {
  const [gt = '', dets = ''] = coco.paths;
  it('prints the 12 stats as JSON, matching pycocotools to 1e-4', async () => {
    const out = await pretag('models', 'eval', '--gt', gt, '--dets', dets);
    expect(out.code, out.stderr).toBe(0);
    const stats = JSON.parse(out.stdout) as Record<string, number>;
    expect(Object.keys(stats)).toEqual(KEYS);
    // ../shared/media/README.md, official pycocotools output for these files.
    const official = [
      0.503647, 0.696973, 0.571667, 0.593252, 0.557991, 0.489363, 0.386813, 0.59368, 0.595353,
      0.654764, 0.60313, 0.553744,
    ];
    KEYS.forEach((k, i) =>
      expect(Math.abs((stats[k] ?? NaN) - (official[i] ?? 0)), k).toBeLessThan(1e-4),
    );
  });
});

describe.skipIf(!voc.ok)('pretag models eval on VOC ground truth', () => {
  const [gt = '', dets = ''] = voc.paths;
  it('evaluates person and vehicle classes named the COCO way', async () => {
    const out = await pretag(
      'models',
      'eval',
      '--gt',
      gt,
      '--dets',
      dets,
      '--classes',
      'person,car,bus,bicycle,motorcycle',
    );
    expect(out.code, out.stderr).toBe(0);
    const stats = JSON.parse(out.stdout) as Record<string, number>;
    expect(stats.AP50).toBeGreaterThan(0);
    expect(stats.AP50).toBeLessThanOrEqual(1);
    expect(stats.AP50).toBeGreaterThanOrEqual(stats.AP ?? Infinity);
  });
  it('names an unknown class and lists the known ones', async () => {
    const out = await pretag('models', 'eval', '--gt', gt, '--dets', dets, '--classes', 'forklift');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^pretag: unknown class "forklift"; the ground truth has: person, cat, /,
    );
  });
});

describe.skipIf(!coco.ok || !voc.ok)('pretag models eval with mismatched files', () => {
  it('refuses detections for images the ground truth does not have', async () => {
    const out = await pretag(
      'models',
      'eval',
      '--gt',
      voc.paths[0] ?? '',
      '--dets',
      coco.paths[1] ?? '',
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^pretag: .*detections\.json: detection \[\d+\]: image_id \d+ is not an image of the ground truth/,
    );
  });
});

describe('pretag models eval with bad arguments', () => {
  it('says which file is missing', async () => {
    const out = await pretag('models', 'eval', '--gt', '/nonexistent/gt.json', '--dets', 'x.json');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('pretag: cannot read /nonexistent/gt.json: no such file');
  });
  it('says which option is missing', async () => {
    const out = await pretag('models', 'eval', '--gt', 'gt.json');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("required option '--dets <file>' not specified");
  });
});
