// The measure build step through `pretag models build`: with no media the card says why it was
// not measured; once media appears, the next build measures; a measured model stays up to date.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { needMedia, repoRoot } from '../../helpers/media.ts';
import { LARGE_PEOPLE, writeSubset } from './voc-subset.ts';

const voc = needMedia('images/voc100/gt_coco_instances_default.json', 'images/voc100/images');
const work = mkdtempSync(path.join(tmpdir(), 'pretag-measure-step-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function build(media: string, ...extra: string[]) {
  const out = path.join(work, 'models');
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, 'shared/bin/pretag.js'),
      'models',
      'build',
      '--out',
      out,
      '--only',
      'nanodet',
      ...extra,
    ],
    { encoding: 'utf8', env: { ...process.env, PRETAG_MEDIA: media } },
  );
  const card = JSON.parse(readFileSync(path.join(out, 'nanodet.card.json'), 'utf8')) as {
    providers?: string[];
    measurements: { voc100?: Record<string, unknown> };
  };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, card };
}

interface Measured {
  status: 'measured';
  dataset: { images: number; boxes: number };
  results: {
    file: string;
    precision: string;
    ap50: Record<string, number>;
    latency: { image: string; providers: string[]; inferenceMs: number; detectMs: number };
  }[];
}

// Each test converts nanodet once or twice: give them room on a busy 2-core machine.
describe.skipIf(!voc.ok)('pretag models build: the measure step', { timeout: 240_000 }, () => {
  // A stand-in media folder: VOC100's six large-people photos (symlinked) and their labels.
  const media = path.join(work, 'media');
  const vocDir = path.join(media, 'images', 'voc100');
  mkdirSync(path.join(vocDir, 'images'), { recursive: true });
  writeSubset(
    voc.paths[0] ?? '',
    LARGE_PEOPLE,
    path.join(vocDir, 'gt_coco_instances_default.json'),
  );
  for (const f of LARGE_PEOPLE)
    symlinkSync(path.join(voc.paths[1] ?? '', f), path.join(vocDir, 'images', f));

  it('without media, records that measurement was skipped and why', () => {
    const r = build(path.join(work, 'no-media-here'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 built, 0 up to date/m);
    expect(r.card.providers).toEqual(['cpu']);
    expect(r.card.measurements.voc100).toMatchObject({ status: 'skipped', because: 'no-media' });
    expect(String(r.card.measurements.voc100?.reason)).toMatch(
      /VOC100 evaluation media not found .*PRETAG_MEDIA/,
    );
    expect(build(path.join(work, 'no-media-here')).stdout).toMatch(/^0 built, 1 up to date/m);
  });

  it('once media is there, measures AP50 and latency, then stays up to date', () => {
    const r = build(media);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 built, 0 up to date/m);
    const m = r.card.measurements.voc100 as unknown as Measured;
    expect(m.status).toBe('measured');
    expect(m.dataset).toMatchObject({ images: 6, boxes: 8 }); // counted in the subset by hand
    const [fp32] = m.results;
    expect(fp32?.file).toBe('nanodet.onnx');
    expect(fp32?.precision).toBe('fp32');
    expect(fp32?.ap50.person).toBeGreaterThanOrEqual(0.5);
    // No vehicles in these photos: undefined (-1), and the key-class mean is person's alone.
    for (const c of ['car', 'bus', 'bicycle', 'motorcycle']) expect(fp32?.ap50[c], c).toBe(-1);
    expect(fp32?.ap50.keyClasses).toBe(fp32?.ap50.person);
    expect(fp32?.latency.image).toBe('2007_000272.jpg'); // first of the six by name
    expect(fp32?.latency.providers).toEqual(['cpu']);
    expect(fp32?.latency.inferenceMs).toBeGreaterThan(0);
    expect(fp32?.latency.detectMs).toBeGreaterThan(0);

    expect(build(media).stdout).toMatch(/^0 built, 1 up to date/m);
    // A fast build (the test setup's) does not throw the measurements away.
    const fast = build(media, '--no-measure');
    expect(fast.stdout).toMatch(/^0 built, 1 up to date/m);
    expect(fast.card.measurements.voc100).toEqual(m);
  });

  it('a --no-measure build says so in the card, and a plain build then measures', () => {
    const r = build(media, '--no-measure', '--force');
    expect(r.code, r.stderr).toBe(0);
    expect(r.card.measurements.voc100).toMatchObject({ status: 'skipped', because: 'disabled' });
    const again = build(media);
    expect(again.stdout).toMatch(/^1 built, 0 up to date/m);
    expect(again.card.measurements.voc100).toMatchObject({ status: 'measured' });
  });
});
