// A worker's model switch: which control messages apply (pure), and with the real packaged
// models that a detection running during a swap finishes on the old model and is reported under
// its id (its boxes equal the old model's own on that image), while the next one uses the new.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '@pretag/shared/detector/index';
import type { Detector } from '@pretag/shared/detector/index';
import type { WorkerModel } from '@pretag/shared/mqtt/control';
import { createSwitchableDetector } from '../../../cloud-hub/src/shadow/switchable.ts';
import { runDetector } from '../../../cloud-hub/src/workers/detect-job.ts';
import {
  createDetectorControl,
  decideControl,
} from '../../../cloud-hub/src/workers/detector-control.ts';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const control = (revision: number) =>
  Buffer.from(
    JSON.stringify({
      v: 1,
      revision,
      model: 'nanodet',
      detector: { adapter: 'nanodet', providers: ['cpu'] },
      issuedAt: '2026-11-27T06:00:00.000Z',
    }),
  );

describe('decideControl', () => {
  it('applies a newer revision', () => {
    expect(decideControl(control(4), 3)).toMatchObject({
      action: 'apply',
      control: { revision: 4 },
    });
  });
  it('ignores the revision it has, quietly (a retained copy after a reconnect)', () => {
    expect(decideControl(control(3), 3)).toEqual({
      action: 'ignore',
      reason: 'revision 3 already handled',
      bad: false,
    });
  });
  it('refuses an older revision', () => {
    expect(decideControl(control(2), 3)).toEqual({
      action: 'ignore',
      reason: 'revision 2 is older than 3',
      bad: true,
    });
  });
  it("goes back to hub.yaml's detector when the hub clears the control", () => {
    expect(decideControl(Buffer.alloc(0), 3)).toEqual({ action: 'fallback' });
    expect(decideControl(Buffer.alloc(0), 0)).toMatchObject({ action: 'ignore', bad: false });
  });
  it('refuses malformed and invalid messages with the reason', () => {
    expect(decideControl(Buffer.from('{oops'), 0)).toEqual({
      action: 'ignore',
      reason: 'message is not JSON',
      bad: true,
    });
    const d = decideControl(Buffer.from('{"v":1}'), 0);
    expect(d).toMatchObject({ action: 'ignore', bad: true });
    expect(d.action === 'ignore' && d.reason).toMatch(/^revision: /);
  });
});

const photo = needMedia('images/voc100/images/2007_000027.jpg');
const modelFile = (name: string) => path.join(repoRoot, 'models', 'build', `${name}.onnx`);

describe.skipIf(!photo.ok)('swapping real models', () => {
  let centernet: Detector;
  let nanodet: Detector;
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = readFileSync(photo.paths[0] ?? '');
    centernet = await createDetector({ adapter: 'centernet', file: modelFile('centernet') });
    nanodet = await createDetector({ adapter: 'nanodet', file: modelFile('nanodet') });
  }, 120_000);
  afterAll(async () => {
    await centernet?.close();
    await nanodet?.close();
  });

  it('a detection running during the swap keeps the old model, and is reported under its id', async () => {
    const own = await centernet.detect(jpeg);
    const sw = createSwitchableDetector(centernet);
    const running = runDetector(jpeg, sw);
    let idle = false;
    const old = sw.swap(nanodet);
    const idleP = sw.idle(old).then(() => (idle = true));
    expect(old).toBe(centernet);
    expect(idle).toBe(false);
    const d = await running;
    await idleP;
    expect(idle).toBe(true);
    if (!d.ok) throw new Error(d.error);
    expect(d.modelId).toBe('centernet');
    expect(d.raw).toEqual(own);
    const after = await runDetector(jpeg, sw);
    expect(after).toMatchObject({ ok: true, modelId: 'nanodet' });
  }, 60_000);

  it('holds jobs while the new model opens, reports the swap and retires the old model after its last detection', async () => {
    const sw = createSwitchableDetector(centernet);
    const holds: boolean[] = [];
    const reports: WorkerModel[] = [];
    const retired: string[] = [];
    const c = createDetectorControl({
      detector: sw,
      worker: 'w-test',
      open: () => createDetector({ adapter: 'nanodet', file: modelFile('nanodet') }),
      retire: (d) => {
        retired.push(d.info.modelId);
        return Promise.resolve();
      },
      report: (s) => reports.push(s),
      hold: (on) => holds.push(on),
      now: () => Date.parse('2026-11-27T06:00:00Z'),
    });
    const inFlight = runDetector(jpeg, sw);
    c.handle(control(7));
    expect(holds).toEqual([true]);
    await c.settled();
    expect(holds.at(-1)).toBe(false);
    expect(sw.info.modelId).toBe('nanodet');
    expect(reports).toEqual([
      {
        v: 1,
        worker: 'w-test',
        model: 'nanodet',
        revision: 7,
        at: '2026-11-27T06:00:00.000Z',
      },
    ]);
    expect(await inFlight).toMatchObject({ ok: true, modelId: 'centernet' });
    await c.stop();
    expect(retired).toEqual(['centernet']);
    await sw.current().close();
  }, 60_000);

  it('keeps its model when the new one does not open, and says which and why', async () => {
    const sw = createSwitchableDetector(centernet);
    const reports: WorkerModel[] = [];
    const errors: string[] = [];
    const c = createDetectorControl({
      detector: sw,
      worker: 'w-test',
      open: () => createDetector({ adapter: 'nanodet', file: modelFile('no-such-model') }),
      retire: () => Promise.resolve(),
      report: (s) => reports.push(s),
      hold: () => undefined,
      logger: pino(
        { level: 'error' },
        { write: (line: string) => errors.push((JSON.parse(line) as { msg: string }).msg) },
      ),
    });
    c.handle(control(8));
    await c.settled();
    expect(sw.info.modelId).toBe('centernet');
    expect(errors).toEqual([
      'the promoted model nanodet did not open; still detecting with centernet',
    ]);
    expect(reports[0]).toMatchObject({
      model: 'centernet',
      revision: 0,
      failed: { revision: 8, model: 'nanodet' },
    });
    expect(reports[0]?.failed?.error).toContain('no-such-model');
    // The same revision again (a retained copy) is not retried.
    c.handle(control(8));
    await c.settled();
    expect(reports).toHaveLength(1);
  }, 60_000);
});
