// The review and operations pages in Debian's headless Chromium (playwright-core), against the
// hub `pretag demo --serve` leaves running after replaying 30 s of a real video through the edge
// pipeline and the hub. Each test drives the pages as a person would (keyboard, clicks) and
// checks the result through the API, the way any other client would see it. Screenshots of
// every page go to test-artifacts/screenshots/.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CocoGroundTruthSchema } from '@pretag/shared/eval/coco-schema';
import { needMedia, repoRoot } from '../helpers/media.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'screenshots');
const video = needMedia('video/campus-pedestrians-vtest.avi');
const hasChromium = existsSync(CHROMIUM);
// expect.poll gives up after 1 s by default: too short for a page to fetch and render on a
// loaded 2-core machine. Playwright's own waits default to 30 s; match them.
const UI_WAIT = { timeout: 30_000 };
if (!hasChromium) console.warn(`SKIP: ${CHROMIUM} not found (apt-get install chromium)`);

interface Served {
  ui: string;
  api: string;
  operator: string;
  reviewer: string;
}

interface SampleDetail {
  id: number;
  width: number;
  height: number;
  status: string;
  boxes: { source: string; label: string; score: number; box: number[] }[];
  reviews: { verdict: string; label: string; score: number | null; box: number[] | null }[];
}

interface Interval {
  estimate: number;
  low: number;
  high: number;
}

interface QualityJson {
  models: { source: string; model: string }[];
  cells: {
    source: string;
    model: string;
    camera: string;
    class: string;
    week: string;
    frames: number;
    numGt: number;
    tp: number;
    fp: number;
    fn: number;
    precision: Interval | null;
    recall: Interval | null;
    ap50: number | null;
    tooFewReviews: boolean;
  }[];
}

interface DriftJson {
  cameras: unknown[];
  alerts: { message: string }[];
}

interface ModelsJson {
  production: { model: string } | null;
  candidate: { model: string; share: number } | null;
  promotions: { actor: string; from: string | null; to: string }[];
}

interface ShadowFigures {
  numGt: number;
  precision: Interval | null;
  recall: Interval | null;
  ap50: number | null;
}

interface ShadowJson {
  agreement: { class: string }[];
  reviewed: {
    frames: number;
    production: { overall: ShadowFigures } | null;
    candidate: { overall: ShadowFigures } | null;
  };
}

/** Starts `pretag demo --serve` and resolves once it prints the pages' URL and tokens. */
function startDemo(
  out: string,
): Promise<{ child: ChildProcessWithoutNullStreams; served: Served }> {
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'shared', 'bin', 'pretag.js'),
      'demo',
      video.paths[0] ?? '',
      '--serve',
      '--max-seconds',
      '30',
      '--out',
      out,
    ],
    { cwd: repoRoot, env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' }, stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const ui = /review and operations pages: (\S+)/.exec(stdout)?.[1];
      const api = /hub running at (\S+)/.exec(stdout)?.[1];
      const operator = /operator token for this session: (\S+)/.exec(stdout)?.[1];
      const reviewer = /reviewer token for this session: (\S+)/.exec(stdout)?.[1];
      if (ui && api && operator && reviewer)
        resolve({ child, served: { ui, api, operator, reviewer } });
    });
    child.once('exit', (code) =>
      reject(new Error(`pretag demo exited (${code}) before serving:\n${stdout}\n${stderr}`)),
    );
  });
}

describe.skipIf(!video.ok || !hasChromium)('review and operations pages in Chromium', () => {
  let out: string;
  let demo: ChildProcessWithoutNullStreams;
  let s: Served;
  let browser: Browser;

  const api = async <T>(token: string, url: string, init: RequestInit = {}) => {
    const res = await fetch(`${s.api}${url}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  /** A fresh page signed in with `token` through the sign-in form. */
  const signedIn = async (token: string, hash = ''): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`${s.ui}${hash}`);
    await page.getByLabel('API token').fill(token);
    await page.keyboard.press('Enter');
    await page
      .locator('#who')
      .filter({ hasText: /\((operator|reviewer)\)/ })
      .waitFor();
    return page;
  };
  const errorsOf = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'pretag-pages-'));
    mkdirSync(SHOTS, { recursive: true });
    ({ child: demo, served: s } = await startDemo(out));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((r) => demo.once('exit', r));
      demo.kill('SIGINT');
      await exited;
    }
    if (out) rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it('reviews a sample with the keyboard alone and the verdicts reach the API', async () => {
    const pending = await api<{ items: { id: number }[] }>(
      s.reviewer,
      '/v1/qa/samples?status=pending&limit=100',
    );
    const before = await api<{ total: number; reviewed: number }>(s.reviewer, '/v1/qa/progress');
    const first = pending.body.items[0];
    expect(first, 'the demo drew QA samples').toBeDefined();
    const sample = (await api<SampleDetail>(s.reviewer, `/v1/qa/samples/${first?.id}`)).body;
    // The page lists the kept cloud boxes best score first; the keys act on them in that order.
    const cloud = sample.boxes
      .filter((b) => b.source === 'cloud')
      .sort((a, b) => b.score - a.score);
    expect(cloud.length, 'the first sample has pre-tagged boxes').toBeGreaterThanOrEqual(2);

    const page = await signedIn(s.reviewer);
    await expect
      .poll(() => page.locator('#rq-progress').textContent(), UI_WAIT)
      .toBe(
        `Sample 1 of ${pending.body.items.length} in this queue · ${before.body.reviewed} of ${before.body.total} samples reviewed`,
      );
    await page.locator('#rq-image image[href^="blob:"]').waitFor({ state: 'attached' });
    await page.screenshot({ path: path.join(SHOTS, 'review.png'), fullPage: true });

    // Box 1: reject. Box 2: fix its class to bicycle. The rest: accept all. Then a missed dog,
    // drawn with the keyboard: m puts a box of side min(w, h)/4 in the middle, Shift+→ widens it
    // by max(w, h)/50.
    await page.keyboard.press('r');
    await page.keyboard.press('c');
    await page.locator('#rq-class:focus').waitFor();
    await page.keyboard.type('bicycle');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+A');
    await page.keyboard.press('m');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Enter');
    await page.locator('#rq-class:focus').waitFor();
    await page.keyboard.type('dog');
    await page.keyboard.press('Enter');
    await page.locator('#rq-status', { hasText: 'Missed dog recorded.' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'review-decided.png'), fullPage: true });

    const after = (await api<SampleDetail>(s.reviewer, `/v1/qa/samples/${sample.id}`)).body;
    expect(after.status).toBe('reviewed');
    const verdictOn = (b: { box: number[] }) =>
      after.reviews.filter(
        (r) => r.verdict !== 'missed' && JSON.stringify(r.box) === JSON.stringify(b.box),
      );
    expect(verdictOn(cloud[0]!).map((r) => [r.verdict, r.label])).toEqual([
      ['rejected', cloud[0]!.label],
    ]);
    expect(verdictOn(cloud[1]!).map((r) => [r.verdict, r.label])).toEqual([['fixed', 'bicycle']]);
    for (const b of cloud.slice(2))
      expect(verdictOn(b).map((r) => [r.verdict, r.label])).toEqual([['accepted', b.label]]);
    const side = Math.min(sample.width, sample.height) / 4;
    const x1 = sample.width / 2 - side / 2;
    const y1 = sample.height / 2 - side / 2;
    const grow = Math.max(sample.width, sample.height) / 50;
    const missed = after.reviews.filter((r) => r.verdict === 'missed');
    expect(missed).toHaveLength(1);
    expect(missed[0]?.label).toBe('dog');
    const r2 = (v: number) => Math.round(v * 100) / 100;
    expect(missed[0]?.box).toEqual([x1, y1, x1 + side + grow, y1 + side].map(r2));
    expect(after.reviews).toHaveLength(cloud.length + 1);

    // n moves on; the count of reviewed samples went up by exactly one.
    await page.keyboard.press('n');
    await expect
      .poll(() => page.locator('#rq-progress').textContent(), UI_WAIT)
      .toBe(
        `Sample 2 of ${pending.body.items.length} in this queue · ${before.body.reviewed + 1} of ${before.body.total} samples reviewed`,
      );
    expect(errorsOf(page)).toEqual([]);
    await page.close();

    // Showing the sample started the reviewer's clock: their time per image counts from the open.
    const people = await api<{
      reviewers: { reviewer: string; images: number; fromOpen: number }[];
    }>(s.operator, '/v1/annotators');
    const me = people.body.reviewers.find((r) => r.reviewer === 'demo-reviewer');
    expect(me?.images).toBeGreaterThanOrEqual(1);
    expect(me?.fromOpen, 'timed from the page opening the sample').toBeGreaterThanOrEqual(1);
  });

  it('downloads a batch as COCO JSON that is consistent and matches the thumbnail grid', async () => {
    const page = await signedIn(s.reviewer, '#/batches');
    await page.locator('#batch-table').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'batches.png'), fullPage: true });
    const id = await page.locator('#batch-table tbody tr').first().getAttribute('data-batch');
    expect(id).toBeTruthy();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`[data-download="${id}"]`).click(),
    ]);
    const file = path.join(out, 'downloaded.coco.json');
    await download.saveAs(file);
    const coco = CocoGroundTruthSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

    const batch = (await api<{ frameCount: number }>(s.reviewer, `/v1/batches/${id}`)).body;
    expect(coco.images).toHaveLength(batch.frameCount);
    const imageIds = new Set(coco.images.map((i) => i.id));
    expect(imageIds.size).toBe(coco.images.length);
    expect(new Set(coco.annotations.map((a) => a.id)).size).toBe(coco.annotations.length);
    const categoryIds = new Set(coco.categories.map((c) => c.id));
    const size = new Map(coco.images.map((i) => [i.id, i]));
    for (const a of coco.annotations) {
      expect(imageIds.has(a.image_id)).toBe(true);
      expect(categoryIds.has(a.category_id)).toBe(true);
      const img = size.get(a.image_id)!;
      const [x, y, w, h] = a.bbox;
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      // Boxes are stored to 1/100 pixel.
      expect(x + w).toBeLessThanOrEqual(Number(img.width) + 0.01);
      expect(y + h).toBeLessThanOrEqual(Number(img.height) + 0.01);
    }

    // The batch page shows one thumbnail per image and one rectangle per annotation.
    await page.locator('#batch-table tbody a').first().click();
    await page.locator('#batch-grid figure').first().waitFor();
    expect(await page.locator('#batch-grid figure').count()).toBe(coco.images.length);
    expect(await page.locator('#batch-grid rect.box').count()).toBe(coco.annotations.length);
    await page.locator('#batch-grid image[href^="blob:"]').first().waitFor({ state: 'attached' });
    await page.screenshot({ path: path.join(SHOTS, 'batch-grid.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('shows dashboard totals equal to the JSON report', async () => {
    const page = await signedIn(s.operator, '#/dashboard');
    await page.locator('#h-funnel').waitFor();
    const from = await page.locator('#d-from').inputValue();
    const to = await page.locator('#d-to').inputValue();
    const report = (
      await api<{
        total: {
          frames: Record<string, number>;
          bytes: { uploaded: number };
          annotation: { withoutPretag: { usd: number }; withPretag: { usd: number } };
        };
      }>(s.operator, `/v1/reports/daily?from=${from}&to=${to}`)
    ).body;
    expect(report.total.frames.uploaded).toBeGreaterThan(0);

    // The page carries the document it rendered: the same JSON the API serves.
    const embedded = JSON.parse(
      (await page.locator('#report-data').textContent()) ?? 'null',
    ) as unknown;
    expect(embedded).toEqual(report);

    const num = (t: string | null) => Number((t ?? '').replace(/[$,\s]/g, ''));
    const totalRow = async (tableCaption: string) =>
      page
        .locator('table', { has: page.locator('caption', { hasText: tableCaption }) })
        .locator('tfoot td')
        .allTextContents();
    const funnel = await totalRow('Frames per stage');
    const keys = ['decoded', 'sampled', 'gated', 'inferred', 'uploaded', 'audited', 'motion'];
    expect(funnel.map(num)).toEqual(keys.map((k) => report.total.frames[k]));
    const cost = await totalRow('Annotation workload and cost per camera');
    expect(num(cost[1] ?? '')).toBeCloseTo(report.total.annotation.withoutPretag.usd, 2);
    expect(num(cost[4] ?? '')).toBeCloseTo(report.total.annotation.withPretag.usd, 2);
    const card = async (name: string) =>
      page
        .locator('.cards div', { has: page.locator('dt', { hasText: name }) })
        .locator('dd')
        .textContent();
    expect(num(await card('Frames sampled'))).toBe(report.total.frames.sampled);
    expect(num(await card('Frames uploaded'))).toBe(report.total.frames.uploaded);
    // Bytes are shown in decimal units to two places: 12.34 kB.
    const bytes = await totalRow('Bytes per camera');
    const [value, unit] = (bytes[0] ?? '').split(' ');
    const scale = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[unit ?? ''] ?? NaN;
    expect(Math.abs(Number(value) * scale - report.total.bytes.uploaded)).toBeLessThanOrEqual(
      scale * 0.005,
    );

    // The drift section compares each camera week against week.
    const drift = await api<{ cameras: unknown[] }>(s.operator, `/v1/drift/class-mix?to=${to}`);
    expect(await page.locator('#drift-table tbody tr').count()).toBe(drift.body.cameras.length);
    // An operator sees the operator-only device list.
    await page.locator('#devices').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-operator.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('keeps operator-only actions from a reviewer: hidden in the pages, refused by the server', async () => {
    const page = await signedIn(s.reviewer, '#/dashboard');
    await page.locator('#h-funnel').waitFor();
    await page.locator('#d-status', { hasText: 'loaded' }).waitFor();
    expect(await page.locator('[data-operator]').count()).toBe(0);
    expect(await page.locator('#devices').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-reviewer.png'), fullPage: true });

    const push = await api<{ error: string }>(s.reviewer, '/v1/config/push', {
      method: 'POST',
      body: JSON.stringify({ site: 'demo', device: 'demo-edge', camera: 'cam-1', minScore: 0.5 }),
    });
    expect(push.status).toBe(403);
    expect(push.body.error).toBe('forbidden');
    expect((await api(s.reviewer, '/v1/devices')).status).toBe(403);
    expect((await api(s.reviewer, '/v1/jobs/dead')).status).toBe(403);
    // The operator's token may: the same push is accepted.
    const ok = await api(s.operator, '/v1/config/push', {
      method: 'POST',
      body: JSON.stringify({ site: 'demo', device: 'demo-edge', camera: 'cam-1', minScore: 0.5 }),
    });
    expect(ok.status).toBeLessThan(300);
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('fits a phone screen and documents every shortcut behind ?', async () => {
    const page = await signedIn(s.reviewer);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#rq-boxes').waitFor();
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'review-phone.png'), fullPage: true });
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    for (const action of [
      'accept the selected box',
      'reject the selected box',
      "fix the selected box's class",
      'mark a missed object',
      'next / previous sample',
    ])
      expect(await help.textContent()).toContain(action);
    await page.screenshot({ path: path.join(SHOTS, 'help.png') });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('shows model quality per week with the exact figures of GET /v1/quality', async () => {
    const page = await signedIn(s.operator, '#/quality');
    await page.locator('#q-status', { hasText: 'loaded' }).waitFor();
    const from = await page.locator('#q-from').inputValue();
    const to = await page.locator('#q-to').inputValue();
    const q = (await api<QualityJson>(s.operator, `/v1/quality?from=${from}&to=${to}`)).body;
    // The keyboard review above made ground truth: both the edge and the cloud model are scored.
    expect(q.models.map((m) => m.source)).toEqual(expect.arrayContaining(['edge', 'cloud']));

    // Percentages to one decimal place, counts as integers with thousands separators.
    const pct = (v: number | null | undefined) =>
      v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`;
    const iv = (v: { low: number; high: number } | null) =>
      v ? `${pct(v.low)} – ${pct(v.high)}` : '—';
    for (const m of q.models) {
      const block = page.locator(
        `.model-block[data-source="${m.source}"][data-model="${m.model}"]`,
      );
      const trs = block.locator('tbody tr');
      const rows: string[][] = [];
      for (let i = 0; i < (await trs.count()); i++)
        rows.push((await trs.nth(i).locator('th, td').allTextContents()).map((t) => t.trim()));
      const cells = q.cells.filter((c) => c.source === m.source && c.model === m.model);
      expect(rows).toEqual(
        cells.map((c) => [
          c.week,
          c.camera,
          c.class,
          ...[c.frames, c.numGt, c.tp, c.fp, c.fn].map((n) => n.toLocaleString('en-US')),
          pct(c.precision?.estimate),
          iv(c.precision),
          pct(c.recall?.estimate),
          iv(c.recall),
          pct(c.ap50),
          c.tooFewReviews ? 'too few' : 'enough',
        ]),
      );
      // The chart: one point per pooled weekly figure, hollow where reviews are too few.
      const pooled = cells.filter((c) => c.camera === 'all' && c.class === 'all');
      const figures = pooled.flatMap((c) =>
        [c.precision, c.recall, c.ap50].filter((v) => v !== null).map(() => c.tooFewReviews),
      );
      const points = block.locator('svg g.point circle');
      expect(await points.count()).toBe(figures.length);
      expect(await block.locator('svg g.point circle[fill="#ffffff"]').count()).toBe(
        figures.filter(Boolean).length,
      );
    }
    // Drift: one row per camera, and the banner says whether any camera alerts.
    const drift = (await api<DriftJson>(s.operator, `/v1/drift?to=${to}`)).body;
    expect(await page.locator('#drift-alert-table tbody tr').count()).toBe(drift.cameras.length);
    const banner = (await page.locator('#drift-alerts').textContent()) ?? '';
    if (drift.alerts.length) for (const a of drift.alerts) expect(banner).toContain(a.message);
    else expect(banner).toContain('No drift alert');
    // Operators see the reviewers' metrics, including the demo reviewer from the first test.
    await expect
      .poll(() => page.locator('#q-annotator-table tbody th').allTextContents(), UI_WAIT)
      .toContain('demo-reviewer');
    await page.screenshot({ path: path.join(SHOTS, 'quality-operator.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('keeps promotion, annotators and the audit log from a reviewer, on the page and the server', async () => {
    const page = await signedIn(s.reviewer, '#/quality');
    await page.locator('#q-status', { hasText: 'loaded' }).waitFor();
    await page.locator('#q-shadow').waitFor();
    expect(await page.locator('#q-promote, #q-promote-button, #q-annotators').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'quality-reviewer.png'), fullPage: true });
    // On a phone the page reflows: wide tables scroll inside their box, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'quality-phone.png'), fullPage: true });
    // Typing the address anyway: the server refuses and the page says so.
    await page.goto(`${s.ui}#/audit`);
    await expect
      .poll(() => page.locator('#a-status').textContent(), UI_WAIT)
      .toMatch(/^Could not load the audit log: /);
    expect(await page.locator('#audit-table tbody tr').count()).toBe(0);
    await page.close();

    const models = (await api<ModelsJson>(s.reviewer, '/v1/models')).body;
    const promote = await api<{ error: string }>(s.reviewer, '/v1/models/promote', {
      method: 'POST',
      body: JSON.stringify({ model: models.candidate?.model ?? 'nanodet' }),
    });
    expect(promote.status).toBe(403);
    expect(promote.body.error).toBe('forbidden');
    expect((await api(s.reviewer, '/v1/annotators')).status).toBe(403);
    expect((await api(s.reviewer, '/v1/audit')).status).toBe(403);
    expect((await api(s.reviewer, '/v1/audit?format=csv')).status).toBe(403);
    // Nothing changed: production is still the model it was.
    expect((await api<ModelsJson>(s.operator, '/v1/models')).body.promotions).toEqual([]);
  });

  it('lets an operator promote the shadow candidate, and the audit log lists it', async () => {
    const before = (await api<ModelsJson>(s.operator, '/v1/models')).body;
    expect(before.candidate, 'the demo runs a shadow candidate').not.toBeNull();
    const candidate = before.candidate!.model;
    expect(before.production?.model).not.toBe(candidate);
    // Review the remaining samples through the API (every kept cloud box accepted), so frames
    // the candidate ran on are reviewed and both models get an AP50 side by side.
    const pending = await api<{ items: { id: number }[] }>(
      s.reviewer,
      '/v1/qa/samples?status=pending&limit=100',
    );
    for (const { id } of pending.body.items) {
      const d = (await api<SampleDetail>(s.reviewer, `/v1/qa/samples/${id}`)).body;
      for (const b of d.boxes.filter((x) => x.source === 'cloud'))
        await api(s.reviewer, `/v1/qa/samples/${id}/review`, {
          method: 'POST',
          body: JSON.stringify({ verdict: 'accepted', label: b.label, score: b.score, box: b.box }),
        });
    }

    const page = await signedIn(s.operator, '#/quality');
    await page.locator('#q-status', { hasText: 'loaded' }).waitFor();
    expect(await page.locator('#q-candidate').textContent()).toBe(candidate);
    // The agreement table has a row per class and the pooled row, as the API reports them.
    const shadow = (await api<ShadowJson>(s.operator, '/v1/shadow')).body;
    expect(await page.locator('#q-agreement tbody th').allTextContents()).toEqual(
      shadow.agreement.map((a) => a.class),
    );
    // On reviewed frames both models ran on: the pooled row shows both sides' figures.
    expect(shadow.reviewed.frames, 'reviewed frames the candidate ran on').toBeGreaterThan(0);
    const pct = (v: number | null | undefined) =>
      v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`;
    const p = shadow.reviewed.production?.overall;
    const c = shadow.reviewed.candidate?.overall;
    const pooled = page.locator('#q-side-by-side tbody tr').first().locator('th, td');
    expect((await pooled.allTextContents()).map((t) => t.trim())).toEqual([
      'all',
      p?.numGt.toLocaleString('en-US'),
      c?.numGt.toLocaleString('en-US'),
      pct(p?.precision?.estimate),
      pct(c?.precision?.estimate),
      pct(p?.recall?.estimate),
      pct(c?.recall?.estimate),
      pct(p?.ap50),
      pct(c?.ap50),
    ]);
    await page.screenshot({
      path: path.join(SHOTS, 'shadow-before-promotion.png'),
      fullPage: true,
    });
    await page.locator('#q-promote-button').click();
    const dialog = page.getByRole('dialog', { name: `Promote ${candidate}?` });
    await dialog.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'promote-confirm.png') });
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await page
      .locator('#q-notice', { hasText: `the production model is now ${candidate}` })
      .waitFor();
    await expect.poll(() => page.locator('#q-production').textContent(), UI_WAIT).toBe(candidate);
    await page.screenshot({ path: path.join(SHOTS, 'shadow-promoted.png'), fullPage: true });

    const after = (await api<ModelsJson>(s.operator, '/v1/models')).body;
    expect(after.production?.model).toBe(candidate);
    expect(after.promotions[0]).toMatchObject({ actor: 'demo', to: candidate });
    const audit = (
      await api<{ items: { id: number; actor: string; action: string; target: string }[] }>(
        s.operator,
        '/v1/audit?action=model.promote',
      )
    ).body;
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ actor: 'demo', target: `model:${candidate}` });

    // The audit page, filtered to promotions, lists that entry; its CSV export carries it too.
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('#a-status', { hasText: 'shown' }).waitFor();
    await page.getByLabel('Action').selectOption('model.promote');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#a-status', { hasText: '1 entry shown.' }).waitFor();
    const row = page.locator('#audit-table tbody tr');
    expect(await row.getAttribute('data-audit')).toBe(String(audit.items[0]!.id));
    expect(await row.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['demo', 'operator', 'model.promote', `model:${candidate}`]),
    );
    await page.screenshot({ path: path.join(SHOTS, 'audit.png'), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const file = path.join(out, 'audit.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`model:${candidate}`);
    expect(errorsOf(page)).toEqual([]);
    await page.close();
  });

  it('refuses a wrong token at sign-in with a clear message', async () => {
    const page = await browser.newPage();
    await page.goto(s.ui);
    await page.getByLabel('API token').fill('not-a-token');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#sign-in-error').textContent(), UI_WAIT)
      .toBe('That token was not accepted.');
    expect(await page.locator('#nav').isHidden()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'sign-in-refused.png') });
    await page.close();
  });
});
