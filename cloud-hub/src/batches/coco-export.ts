// COCO JSON for an annotation batch. Pure: the registry hands over what it stored per frame.
//
// - images: id (1.., batch order), file_name, width, height, coco_url and url (the hub's blob
//   URL an annotator can open), plus frame_id, site, camera, captured_at and reason;
// - annotations: the cloud boxes cleanup kept: id (1..), image_id, category_id (COCO's 1–90
//   ids), bbox [x, y, w, h], area (w·h), iscrowd 0, score;
// - categories: all 80 COCO categories, so ids and the list are the same in every batch and an
//   annotator can add objects of a class the detector did not find. Labels renamed to names
//   COCO does not have get ids from 1001 up, in name order.
import { COCO_CATEGORIES, cocoCategoryByName } from '@pretag/shared/coco/categories';
import type { StoredDetection } from '../ledger/index.ts';

export const EXTRA_CATEGORY_BASE = 1001;

/** What a batch keeps for each frame (batch_frames.image). */
export interface BatchImage {
  frame_id: string;
  file_name: string;
  blob_key: string;
  width: number;
  height: number;
  site: string;
  camera: string;
  captured_at: string;
  reason: string;
}

/** A kept box as the batch keeps it (batch_frames.annotations): pixels, xywh. */
export interface BatchBox {
  label: string;
  bbox: [number, number, number, number];
  score: number;
}

export interface CocoExport {
  info: { description: string; version: string; date_created: string; batch_id: string };
  images: (BatchImage & { id: number; coco_url: string; url: string })[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0;
    score: number;
  }[];
  categories: { id: number; name: string }[];
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** Kept cloud boxes of a frame as xywh, rounded to 1/100 pixel. */
export function keptBoxes(cloud: readonly StoredDetection[]): BatchBox[] {
  return cloud
    .filter((d) => d.kept === true)
    .map((d) => {
      const [x1, y1, x2, y2] = d.box;
      return { label: d.label, bbox: [r2(x1), r2(y1), r2(x2 - x1), r2(y2 - y1)], score: d.score };
    });
}

/** `{base}/v1/blobs/{key}` with each key segment escaped. */
export function blobUrl(publicBaseUrl: string, key: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/v1/blobs/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function buildCocoExport(
  batch: { id: string; createdAt: number },
  frames: readonly { image: BatchImage; boxes: readonly BatchBox[] }[],
  options: { publicBaseUrl: string; exportedAt: number },
): CocoExport {
  const extraNames = [
    ...new Set(
      frames.flatMap((f) => f.boxes.map((b) => b.label)).filter((l) => !cocoCategoryByName(l)),
    ),
  ].sort();
  const extraIds = new Map(extraNames.map((n, i) => [n, EXTRA_CATEGORY_BASE + i]));
  const categoryId = (label: string): number =>
    cocoCategoryByName(label)?.id ?? (extraIds.get(label) as number);
  const images: CocoExport['images'] = [];
  const annotations: CocoExport['annotations'] = [];
  frames.forEach((f, i) => {
    const url = blobUrl(options.publicBaseUrl, f.image.blob_key);
    images.push({ id: i + 1, ...f.image, coco_url: url, url });
    for (const b of f.boxes)
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: categoryId(b.label),
        bbox: [...b.bbox],
        area: r2(b.bbox[2] * b.bbox[3]),
        iscrowd: 0,
        score: b.score,
      });
  });
  return {
    info: {
      description: `pretag annotation batch ${batch.id}`,
      version: '1',
      date_created: new Date(options.exportedAt).toISOString(),
      batch_id: batch.id,
    },
    images,
    annotations,
    categories: [
      ...COCO_CATEGORIES.map((c) => ({ id: c.id, name: c.name })),
      ...extraNames.map((n) => ({ id: extraIds.get(n) as number, name: n })),
    ],
  };
}
