// `pretag models eval --model … --images …` run as a real subprocess on a few VOC100 photos.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { needMedia, repoRoot } from '../../helpers/media.ts';
import { LARGE_PEOPLE, writeSubset } from './voc-subset.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'shared', 'bin', 'pretag.js');

async function pretag(...args: string[]) {
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

const STAT_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'].concat([
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
]);

interface Report {
  model: string;
  providers: string[];
  images: { evaluated: number; missing: number; unreadable: number };
  stats: Record<string, number>;
  perClassAP50: Record<string, number>;
  notEvaluated: string[];
}

const voc = needMedia('images/voc100/gt_coco_instances_default.json', 'images/voc100/images');
const work = mkdtempSync(path.join(tmpdir(), 'pretag-eval-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Each test is a real subprocess loading ONNX Runtime: give room on a busy 2-core machine.
describe.skipIf(!voc.ok)(
  'pretag models eval --model on photos of large, clearly visible people',
  { timeout: 180_000 },
  () => {
    const [fullGt = '', images = ''] = voc.paths;
    const gt = path.join(work, 'people.json');
    const subset = writeSubset(fullGt, LARGE_PEOPLE, gt);

    it.each(['nanodet', 'centernet'])('%s finds the people (person AP50 ≥ 0.5)', async (model) => {
      const dets = path.join(work, `${model}-dets.json`);
      const out = await pretag(
        'models',
        'eval',
        '--model',
        model,
        '--images',
        images,
        '--gt',
        gt,
        '--class-map',
        'voc',
        '--out',
        dets,
      );
      expect(out.code, out.stderr).toBe(0);
      // Not a terminal: one plain progress line, no carriage returns.
      expect(out.stderr).toMatch(new RegExp(`^eval ${model}: 6/6 images in [\\d.]+ s$`, 'm'));
      expect(out.stderr).not.toMatch(/\r/);
      const report = JSON.parse(out.stdout) as Report;
      expect(report.model).toBe(model);
      expect(report.providers).toEqual(['cpu']);
      expect(report.images).toEqual({ evaluated: 6, missing: 0, unreadable: 0 });
      expect(Object.keys(report.stats)).toEqual(STAT_KEYS);
      // Every ground-truth box here is larger than 96² px, so the small and medium ranges have
      // no ground truth and are -1 (undefined), as in pycocotools; the rest lie in 0..1.
      for (const k of STAT_KEYS) {
        if (['APs', 'APm', 'ARs', 'ARm'].includes(k)) {
          expect(report.stats[k], k).toBe(-1);
          continue;
        }
        expect(report.stats[k], k).toBeGreaterThanOrEqual(0);
        expect(report.stats[k], k).toBeLessThanOrEqual(1);
      }
      // All 20 VOC classes map to COCO ones; only person has ground truth here, the rest are -1.
      expect(Object.keys(report.perClassAP50).sort()).toEqual(
        subset.categories.map((c) => c.name).sort(),
      );
      expect(report.notEvaluated).toEqual([]);
      expect(report.perClassAP50.person).toBeGreaterThanOrEqual(0.5);
      for (const [name, ap] of Object.entries(report.perClassAP50))
        if (name !== 'person') expect(ap, name).toBe(-1);

      // The detections written with --out give the same stats through the --dets form.
      const again = await pretag('models', 'eval', '--gt', gt, '--dets', dets);
      expect(again.code, again.stderr).toBe(0);
      const stats = JSON.parse(again.stdout) as Record<string, number>;
      for (const k of STAT_KEYS) expect(stats[k], k).toBeCloseTo(report.stats[k] ?? NaN, 10);
      expect((JSON.parse(readFileSync(dets, 'utf8')) as unknown[]).length).toBeGreaterThan(0);
    });

    it('without --class-map voc leaves the VOC-only names out and says so', async () => {
      const out = await pretag(
        'models',
        'eval',
        '--model',
        'nanodet',
        '--images',
        images,
        '--gt',
        gt,
      );
      expect(out.code, out.stderr).toBe(0);
      const report = JSON.parse(out.stdout) as Report;
      // VOC spells these differently from COCO (../shared/media/README.md).
      expect(report.notEvaluated.sort()).toEqual([
        'aeroplane',
        'diningtable',
        'motorbike',
        'pottedplant',
        'sofa',
        'tvmonitor',
      ]);
      expect(report.perClassAP50.person).toBeGreaterThanOrEqual(0.5);
    });

    it('names an unknown model, lists the built ones and says how to build', async () => {
      const out = await pretag(
        'models',
        'eval',
        '--model',
        'yolov99',
        '--images',
        images,
        '--gt',
        gt,
      );
      expect(out.code).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(
        /^pretag: unknown model "yolov99"; built models in .*: .*nanodet/m,
      );
      expect(out.stderr).toContain('pretag models build');
    });

    it('refuses an image folder holding none of the ground truth images', async () => {
      const empty = path.join(work, 'empty');
      mkdirSync(empty);
      const out = await pretag(
        'models',
        'eval',
        '--model',
        'nanodet',
        '--images',
        empty,
        '--gt',
        gt,
      );
      expect(out.code).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(
        /^pretag: none of the 6 ground-truth images \(.*2007_\d+\.jpg.*\) is in .*empty \(0 files there\)/m,
      );
    });

    it('says when the image folder does not exist', async () => {
      const out = await pretag(
        'models',
        'eval',
        '--model',
        'nanodet',
        '--images',
        path.join(work, 'nope'),
        '--gt',
        gt,
      );
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/^pretag: cannot read the images folder .*nope: no such folder/m);
    });

    it('runs an operator ONNX file once its adapter is named', async () => {
      const file = path.join(work, 'my-detector.onnx');
      copyFileSync(path.join(repoRoot, 'models', 'build', 'nanodet.onnx'), file);
      const bare = await pretag('models', 'eval', '--model', file, '--images', images, '--gt', gt);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toMatch(
        /^pretag: .*my-detector\.onnx is not a built model with a card; name its adapter with --adapter/m,
      );
      const named = await pretag(
        'models',
        'eval',
        '--model',
        file,
        '--adapter',
        'nanodet',
        '--images',
        images,
        '--gt',
        gt,
        '--class-map',
        'voc',
      );
      expect(named.code, named.stderr).toBe(0);
      const report = JSON.parse(named.stdout) as Report;
      expect(report.model).toBe('my-detector');
      expect(report.perClassAP50.person).toBeGreaterThanOrEqual(0.5);
    });

    it('says when a model file does not exist', async () => {
      const out = await pretag(
        'models',
        'eval',
        '--model',
        path.join(work, 'x.onnx'),
        '--images',
        images,
        '--gt',
        gt,
      );
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/^pretag: model file .*x\.onnx does not exist/m);
    });
  },
);
