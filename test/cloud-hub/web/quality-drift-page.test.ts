// The quality page in Debian's headless Chromium when a camera's class mix has shifted week
// against week: the alert is shown first and prominently (role=alert), naming the camera, the
// class that moved and by how much, as GET /v1/drift reports it; the steady camera is not named.
// The hub is a real API over a real ledger seeded with two weeks per camera ending today, the
// day the page asks about by default.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudDetection } from '../../../cloud-hub/src/ledger/index.ts';
import { repoRoot } from '../../helpers/media.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { startLoopHub, storeDetected, TOKENS } from '../quality/loop-harness.ts';
import type { LoopHub } from '../quality/loop-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'screenshots');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIP: ${CHROMIUM} not found (apt-get install chromium)`);

const DAY = 86_400_000;
// 400 boxes a week: person/car/truck counts. The shifted week moves 100 boxes from person to car.
const STEADY = { person: 240, car: 120, truck: 40 };
const SHIFTED = { person: 140, car: 220, truck: 40 };

interface Drift {
  cameras: {
    camera: string;
    alert: boolean;
    classMix: { moved: { class: string; previousShare: number; currentShare: number } | null };
  }[];
  alerts: { camera: string; kind: string; message: string }[];
}

describe.skipIf(!hasChromium)('the quality page when a camera drifts', () => {
  let hub: LoopHub;
  let browser: Browser;
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

  beforeAll(async () => {
    hub = await startLoopHub({}, () => today + DAY / 2);
    let n = 0;
    for (const [camera, second] of [
      ['cam-steady', STEADY],
      ['cam-shift', SHIFTED],
    ] as const)
      // The week before (13 to 7 days ago) and this week (6 days ago to today), 40 frames each.
      for (const [start, mix] of [
        [today - 13 * DAY, STEADY],
        [today - 6 * DAY, second],
      ] as const) {
        const labels = Object.entries(mix).flatMap(([k, v]) => Array<string>(v).fill(k));
        for (let f = 0; f < 40; f++) {
          const at = start + f * 3_600_000;
          const frame = makeFrame(n++, { camera, capturedAt: new Date(at).toISOString() });
          // Scores spread the same way both weeks, so only the class mix moves.
          const dets: CloudDetection[] = labels.slice(f * 10, f * 10 + 10).map((label, k) => ({
            label,
            score: 0.3 + 0.06 * k,
            box: [k * 10, 0, k * 10 + 8, 8],
            kept: true,
          }));
          storeDetected(hub.ledger, frame, dets, 'centernet', at + 1_000);
        }
      }
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('names the drifted camera, the class that moved and by how much, first on the page', async () => {
    const to = new Date(today).toISOString().slice(0, 10);
    const res = await fetch(`${hub.base}/v1/drift?to=${to}`, {
      headers: { authorization: `Bearer ${TOKENS.rita}` },
    });
    const drift = (await res.json()) as Drift;
    expect(drift.alerts.map((a) => [a.camera, a.kind])).toEqual([['cam-shift', 'class-mix']]);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The page defaults to the browser's today: pin it to the hub's clock, or a run that
    // crosses midnight would ask about a window the seeded weeks no longer fill.
    await page.clock.setFixedTime(today + DAY / 2);
    await page.goto(`${hub.base}/ui/#/quality`);
    await page.getByLabel('API token').fill(TOKENS.rita);
    await page.keyboard.press('Enter');
    await page.locator('#q-status', { hasText: 'loaded' }).waitFor();

    const banner = page.getByRole('alert').filter({ hasText: 'Drift on 1 camera' });
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain(drift.alerts[0]?.message);
    expect(text).toContain('cam-shift');
    expect(text).not.toContain('cam-steady');
    // The drift section, banner included, is the first thing on the page under the filters.
    expect(await page.locator('#q-report > section').first().getAttribute('id')).toBe('q-drift');
    expect(await page.locator('#q-drift').getByRole('alert').count()).toBe(1);

    // Per camera: the class that moved, with both weeks' shares (240/400 = 60 % person before,
    // 140/400 = 35 % after), and which camera alerts.
    const rows = page.locator('#drift-alert-table tbody tr');
    const byCamera = new Map<string, string[]>();
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = (await rows.nth(i).locator('th, td').allTextContents()).map((t) => t.trim());
      byCamera.set(cells[0] ?? '', cells);
    }
    const shift = byCamera.get('dublin-plant-2 / cam-shift');
    expect(shift?.[1]).toMatch(
      /^(person: 60% → 35% \(-25 points\)|car: 30% → 55% \(\+25 points\))$/,
    );
    expect(shift?.at(-1)).toBe('alert');
    expect(byCamera.get('dublin-plant-2 / cam-steady')?.at(-1)).toBe('no');
    await page.screenshot({ path: path.join(SHOTS, 'quality-drift-alert.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
