// `pretag demo` as a subprocess on a real short video: a hub, an edge camera, the uplink and the
// detection workers all run for real. The outputs are checked against each other and against the
// shared COCO schema: every frame the edge uploaded (frames.jsonl, written as the edge spooled
// them) is counted in the report and appears in exactly one COCO batch.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CocoGroundTruthSchema } from '@pretag/shared/eval/coco-schema';
import { needMedia } from '../../helpers/media.ts';
import { pretag } from '../hub/helpers.ts';

const m = needMedia('video/warehouse-worker-zone.mp4');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pretag-demo-test-'));
  dirs.push(d);
  return d;
}

describe.skipIf(!m.ok)('pretag demo on a real video', () => {
  it('runs hub and edge end to end and writes report, COCO batches and QA gallery', async () => {
    const out = path.join(tempDir(), 'out');
    const r = await pretag(['demo', m.paths[0] ?? '', '--out', out]);
    expect(r.code, r.stderr).toBe(0);

    const uploaded = readFileSync(path.join(out, 'frames.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { frameId: string }).frameId);
    expect(uploaded.length).toBeGreaterThan(0);
    expect(new Set(uploaded).size).toBe(uploaded.length);

    // The report counts exactly the frames the edge sent.
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      total: { frames: { uploaded: number; sampled: number } };
    };
    expect(report.total.frames.uploaded).toBe(uploaded.length);
    expect(report.total.frames.sampled).toBeGreaterThanOrEqual(uploaded.length);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<svg');

    // Every uploaded frame was stored, detected and batched: the COCO files hold them all, once.
    const batchFiles = readdirSync(path.join(out, 'batches')).filter((f) => f.endsWith('.json'));
    expect(batchFiles.length).toBeGreaterThan(0);
    const images: string[] = [];
    for (const f of batchFiles) {
      const coco = CocoGroundTruthSchema.parse(
        JSON.parse(readFileSync(path.join(out, 'batches', f), 'utf8')),
      );
      for (const img of coco.images) images.push(String(img.file_name).replace(/\.jpg$/, ''));
    }
    expect(images.toSorted()).toEqual(uploaded.toSorted());

    // The gallery shows the sampled images, which sit next to it.
    const gallery = readFileSync(path.join(out, 'qa', 'index.html'), 'utf8');
    const hrefs = [...gallery.matchAll(/<image href="([^"]+)"/g)].map((x) => x[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(existsSync(path.join(out, 'qa', h))).toBe(true);
    expect(gallery).toContain('sampled because:');

    // The printed summary names the outputs and the camera.
    expect(r.stdout).toContain('cam-1');
    expect(r.stdout).toContain(path.join(out, 'report.html'));
  }, 600_000);
});

describe('pretag demo without a usable video', () => {
  it('exits 2 and says how to give a video when none is given', async () => {
    const r = await pretag(['demo', '--out', path.join(tempDir(), 'out')], {
      env: { PRETAG_DEMO_NO_SAMPLE: '1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pretag demo path/to/video.mp4');
  });

  it('exits 1 naming the first of two files that are not videos, in the order given', async () => {
    const dir = tempDir();
    // Both are probed at once; the larger first file is the slower one to fail.
    const [first, second] = [path.join(dir, 'first.mp4'), path.join(dir, 'second.mp4')];
    writeFileSync(first, 'no frames in here\n'.repeat(50_000));
    writeFileSync(second, 'nor here\n');
    const r = await pretag(['demo', first, second, '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot read video ${first}: `);
    expect(r.stderr).not.toContain(second);
  });

  it('exits 1 naming a video that does not exist', async () => {
    const r = await pretag(['demo', '/nonexistent/clip.mp4', '--out', path.join(tempDir(), 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('video not found: /nonexistent/clip.mp4');
  });
});
