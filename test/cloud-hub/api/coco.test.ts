// COCO download of a batch over real HTTP: the export the batches module builds, served with
// image URLs an annotator can open (fetched back here with an operator token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchRegistry } from '../../../cloud-hub/src/batches/registry.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { makeJpeg, operator, reviewer, sha256, startHub } from './harness.ts';
import type { TestHub } from './harness.ts';

let hub: TestHub;
let batchId = '';
const jpegs = new Map<string, Buffer>();

beforeAll(async () => {
  hub = await startHub();
  // Two cam-0 frames from device orin-07 (harness device a): JPEGs PUT over HTTP, metadata ingested.
  for (const i of [0, 3]) {
    const f = makeFrame(i);
    const jpeg = await makeJpeg(i);
    jpegs.set(f.blobKey, jpeg);
    const put = await fetch(`${hub.base}/v1/blobs/${f.blobKey}`, {
      method: 'PUT',
      headers: { authorization: hub.devices.a.bearer, 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    if (put.status !== 201) throw new Error(`PUT ${put.status}`);
    hub.ledger.frames.ingestFrame(f, 1_000 + i);
  }
  for (let n = 0; n < 2; n++) {
    const [job] = hub.ledger.jobs.lease('w', 1, 60_000, 2_000);
    if (!job) throw new Error('no job');
    hub.ledger.jobs.complete(
      job.id,
      'w',
      {
        modelId: 'centernet',
        detections: [
          { label: 'person', score: 0.88, box: [10, 20, 110, 320], kept: true },
          { label: 'kite', score: 0.2, box: [0, 0, 3, 3], kept: false, dropReason: 'min_score' },
        ],
      },
      100,
      3_000,
    );
  }
  const batches = createBatchRegistry(hub.ledger, { policy: { groupBy: 'camera-day', size: 500 } });
  expect(batches.assignDetected(4_000)).toBe(2);
  const open = batches.list('open');
  batchId = open[0]?.id ?? '';
});
afterAll(() => hub.close());

describe('COCO download', () => {
  it('refuses a batch that is still open (409) and an unknown one (404)', async () => {
    const open = await fetch(`${hub.base}/v1/batches/${batchId}/coco`, { headers: operator });
    expect(open.status).toBe(409);
    const unknown = await fetch(`${hub.base}/v1/batches/no-such-batch/coco`, { headers: operator });
    expect(unknown.status).toBe(404);
  });

  it('serves a sealed batch as COCO whose image URLs open the uploaded JPEGs', async () => {
    createBatchRegistry(hub.ledger, { policy: { groupBy: 'camera-day', size: 500 } }).seal(5_000, [
      batchId,
    ]);
    const res = await fetch(`${hub.base}/v1/batches/${batchId}/coco`, { headers: reviewer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/\.coco\.json"$/);
    const coco = (await res.json()) as {
      images: { id: number; url: string; blob_key: string }[];
      annotations: {
        image_id: number;
        category_id: number;
        bbox: number[];
        area: number;
        iscrowd: number;
      }[];
    };
    expect(coco.images).toHaveLength(2);
    // Only the kept box per frame: [10, 20, 110, 320] → xywh [10, 20, 100, 300], area 30 000,
    // COCO category 1 (person).
    expect(
      coco.annotations.map((a) => [a.image_id, a.category_id, a.bbox, a.area, a.iscrowd]),
    ).toEqual(coco.images.map((img) => [img.id, 1, [10, 20, 100, 300], 30_000, 0]));
    for (const img of coco.images) {
      expect(img.url.startsWith(`${hub.base}/v1/blobs/`)).toBe(true);
      const got = await fetch(img.url, { headers: operator });
      expect(got.status).toBe(200);
      const want = jpegs.get(img.blob_key);
      expect(want).toBeDefined();
      expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(want ?? Buffer.alloc(0)));
    }
    const detail = (await (
      await fetch(`${hub.base}/v1/batches/${batchId}`, { headers: operator })
    ).json()) as {
      status: string;
    };
    expect(detail.status).toBe('exported');
  });
});
