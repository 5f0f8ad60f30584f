// The demo's outputs, pulled from the running hub's API: report.html and report.json (the daily
// report route), batches/*.json (COCO), and the QA gallery (qa/index.html with the sampled JPEGs).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningHub } from '../hub/run-hub.ts';
import { galleryHtml } from './qa-gallery.ts';
import type { GalleryItem } from './qa-gallery.ts';
import { summaryTable } from './summary-table.ts';
import type { ReportRowLike } from './summary-table.ts';

interface Ctx {
  apiUrl: string;
  token: string;
  out: string;
  hub: RunningHub;
  site: string;
}

async function get(ctx: Ctx, route: string, accept = 'application/json'): Promise<Response> {
  const res = await fetch(`${ctx.apiUrl}${route}`, {
    headers: { authorization: `Bearer ${ctx.token}`, accept },
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok)
    throw new Error(`GET ${route}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

async function getJson<T>(ctx: Ctx, route: string): Promise<T> {
  return (await (await get(ctx, route)).json()) as T;
}

/** All pages of a paged list route. */
async function all<T>(ctx: Ctx, route: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = route.includes('?') ? '&' : '?';
    const page = await getJson<{ items: T[]; nextCursor?: string | null }>(
      ctx,
      `${route}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

interface SampleItem {
  frameId: string;
  camera: string | null;
  reasons: unknown;
  imageUrl: string | null;
}

interface FrameDetail {
  width: number;
  height: number;
  camera: string;
  blobKey: string;
  detections: {
    cloud: { label: string; score: number; box: number[]; kept?: boolean | null }[];
  };
}

export async function writeOutputs(ctx: Ctx): Promise<{ lines: string[] }> {
  const { out } = ctx;
  // The report counts edge uploads on the day their stats window started, which can be the day
  // before or after the frames' when a run crosses midnight: cover both.
  const days = ctx.hub.ledger.db
    .prepare(
      `SELECT min(a) AS a, max(b) AS b FROM (
         SELECT min(captured_at_ms) AS a, max(captured_at_ms) AS b FROM frames
         UNION ALL SELECT min(hour_start), max(hour_start) FROM edge_stats)`,
    )
    .get() as { a: number | null; b: number | null };
  const today = new Date().toISOString().slice(0, 10);
  const from = days.a === null ? today : new Date(days.a).toISOString().slice(0, 10);
  const to = days.b === null ? today : new Date(days.b).toISOString().slice(0, 10);
  const q = `/v1/reports/daily?from=${from}&to=${to}&site=${ctx.site}`;

  const reportJson = await (await get(ctx, q)).text();
  await writeFile(path.join(out, 'report.json'), reportJson);
  const reportHtml = await (await get(ctx, `${q}&format=html`, 'text/html')).text();
  await writeFile(path.join(out, 'report.html'), reportHtml);
  const report = JSON.parse(reportJson) as { rows: ReportRowLike[] };

  const batchDir = path.join(out, 'batches');
  await mkdir(batchDir, { recursive: true });
  const batches = await all<{ id: string; status: string; frameCount: number }>(ctx, '/v1/batches');
  let cocoImages = 0;
  for (const b of batches) {
    if (b.status === 'open') continue;
    const text = await (await get(ctx, `/v1/batches/${encodeURIComponent(b.id)}/coco`)).text();
    cocoImages += (JSON.parse(text) as { images: unknown[] }).images.length;
    await writeFile(path.join(batchDir, `${safeName(b.id)}.json`), text);
  }

  const qaDir = path.join(out, 'qa');
  await mkdir(qaDir, { recursive: true });
  const samples = await all<SampleItem>(ctx, '/v1/qa/samples');
  const items: GalleryItem[] = [];
  for (const s of samples) {
    const f = await getJson<FrameDetail>(ctx, `/v1/frames/${encodeURIComponent(s.frameId)}`);
    const jpeg = await ctx.hub.blobs.get(f.blobKey);
    if (!jpeg) continue; // removed by retention meanwhile
    const image = `${safeName(s.frameId)}.jpg`;
    await writeFile(path.join(qaDir, image), jpeg);
    items.push({
      frameId: s.frameId,
      camera: s.camera ?? f.camera,
      image,
      width: f.width,
      height: f.height,
      reasons: s.reasons,
      boxes: f.detections.cloud.filter((d) => d.kept !== false),
    });
  }
  await writeFile(path.join(qaDir, 'index.html'), galleryHtml(items));
  const uploadedIds = (await readFile(path.join(out, 'frames.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean).length;

  return {
    lines: [
      '',
      summaryTable(report.rows),
      '',
      `frames uploaded by the edge: ${uploadedIds}; in COCO batches: ${cocoImages}`,
      `report:      ${path.join(out, 'report.html')} (and report.json)`,
      `COCO:        ${batchDir}/ (${batches.filter((b) => b.status !== 'open').length} batch file${batches.length === 1 ? '' : 's'})`,
      `QA gallery:  ${path.join(qaDir, 'index.html')} (${items.length} image${items.length === 1 ? '' : 's'})`,
      `frame list:  ${path.join(out, 'frames.jsonl')}`,
    ],
  };
}
