import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import type { Ledger } from '../../../cloud-hub/src/ledger/index.ts';
import { T0, makeFrame, tempDir } from './frame-fixture.ts';

const DAY = 86_400_000;
let tmp: ReturnType<typeof tempDir>;
let ledger: Ledger;
beforeEach(() => {
  tmp = tempDir();
  ledger = openLedger(tmp.file('hub.db'));
});
afterEach(() => {
  ledger.close();
  tmp.remove();
});

const count = (sql: string): unknown => ledger.statement(sql).pluck().get();

describe('retention', () => {
  it('lists frames received before the cutoff oldest first, deletes them, and keeps batch records', () => {
    // Frames 0..4 received 40, 35, 30, 2 and 1 days before T0.
    const ages = [40, 35, 30, 2, 1];
    ages.forEach((days, i) => ledger.frames.ingestFrame(makeFrame(i), T0 - days * DAY));
    // Frame 0 went into a batch and got its cloud boxes.
    const [job] = ledger.jobs.lease('w1', 1, 60_000, T0);
    expect(job?.frameId).toBe('f000000');
    ledger.jobs.complete(
      job!.id,
      'w1',
      { modelId: 'm', detections: [{ label: 'person', score: 0.9, box: [1, 2, 3, 4] }] },
      5,
      T0,
    );
    ledger.db
      .exec(`INSERT INTO batches (id, site, camera, day, status, frame_count, created_at, updated_at)
      VALUES ('b1', 'dublin-plant-2', 'cam-0', '2026-10-18', 'exported', 1, ${T0}, ${T0})`);
    ledger.db.exec(`INSERT INTO batch_frames (batch_id, frame_id, position, image, annotations)
      VALUES ('b1', 'f000000', 0, '{"file_name":"f000000.jpg"}', '[{"bbox":[1,2,2,2],"category_id":1}]')`);

    const old = ledger.retention.framesOlderThan(T0 - 30 * DAY + 1);
    expect(old).toEqual([
      {
        frameId: 'f000000',
        blobKey: 'frames/dublin-plant-2/cam-0/2026/11/27/f000000.jpg',
        receivedAt: T0 - 40 * DAY,
      },
      {
        frameId: 'f000001',
        blobKey: 'frames/dublin-plant-2/cam-1/2026/11/27/f000001.jpg',
        receivedAt: T0 - 35 * DAY,
      },
      {
        frameId: 'f000002',
        blobKey: 'frames/dublin-plant-2/cam-2/2026/11/27/f000002.jpg',
        receivedAt: T0 - 30 * DAY,
      },
    ]);
    expect(ledger.retention.framesOlderThan(T0 - 30 * DAY + 1, 2)).toHaveLength(2);

    expect(ledger.retention.deleteFrames(old.map((f) => f.frameId))).toBe(3);
    expect(ledger.retention.deleteFrames(['f000000', 'never-was'])).toBe(0);
    expect(count('SELECT group_concat(frame_id) FROM frames')).toBe('f000003,f000004');
    // Their detections (2 edge each + 1 cloud) and jobs went with them.
    expect(count('SELECT count(*) FROM detections')).toBe(4);
    expect(count('SELECT count(*) FROM jobs')).toBe(2);
    // The batch and what it exported stay.
    expect(ledger.statement('SELECT frame_id, annotations FROM batch_frames').all()).toEqual([
      { frame_id: 'f000000', annotations: '[{"bbox":[1,2,2,2],"category_id":1}]' },
    ]);
    expect(count("SELECT status FROM batches WHERE id = 'b1'")).toBe('exported');
    expect(() => ledger.retention.framesOlderThan(Number.NaN)).toThrow(/cutoff must be a time/);
  });
});

describe('edge stats', () => {
  it('sums counters per camera per UTC hour of the window start', () => {
    const msg = (start: string, end: string, decoded: number, uploaded: number) => ({
      v: 1 as const,
      site: 'dublin-plant-2',
      device: 'orin-07',
      windowStart: start,
      windowEnd: end,
      cameras: {
        'cam-0': {
          decoded,
          sampled: 10,
          gated: 4,
          inferred: 4,
          uploaded,
          audited: 1,
          motion: 0,
          spooledBytes: 1000,
          dropped: 0,
        },
      },
    });
    expect(
      ledger.edgeStats.record(msg('2026-11-27T08:00:00Z', '2026-11-27T08:00:30Z', 750, 2)),
    ).toBe(1);
    expect(
      ledger.edgeStats.record(msg('2026-11-27T08:59:50Z', '2026-11-27T09:00:20Z', 740, 3)),
    ).toBe(1);
    // 10:15 at +01:00 is 09:15 UTC.
    ledger.edgeStats.record(msg('2026-11-27T10:15:00+01:00', '2026-11-27T10:15:30+01:00', 700, 1));
    const rows = ledger.edgeStats.between(T0, T0 + 2 * 3_600_000);
    expect(
      rows.map((r) => [
        r.hourStart - T0,
        r.decoded,
        r.sampled,
        r.uploaded,
        r.spooledBytes,
        r.messages,
      ]),
    ).toEqual([
      [0, 1490, 20, 5, 2000, 2],
      [3_600_000, 700, 10, 1, 1000, 1],
    ]);
    expect(ledger.edgeStats.between(T0, T0 + 2 * 3_600_000, 'elsewhere')).toEqual([]);
  });
});
