// Puts frame `i` (a JPEG from the campus video) into a running hub the way ingest does: the JPEG
// in the hub's blob store, the payload in the ledger. Returns the frame id.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { framePayload } from '../hub/helpers.ts';

export const SITE = 'dublin-plant-2';
export const CAMERA = 'campus';

export async function storeFrame(hub: RunningHub, i: number, file: string): Promise<string> {
  const jpeg = readFileSync(file);
  const meta = await sharp(jpeg).metadata();
  const frameId = `vtest-${String(i).padStart(3, '0')}`;
  const f = framePayload({
    site: SITE,
    device: 'orin-07',
    camera: CAMERA,
    frameId,
    jpeg,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
  });
  await hub.blobs.put(f.blobKey, jpeg);
  hub.ledger.frames.ingestFrame(f, Date.now());
  return frameId;
}
