// QA sampling when a batch closes: the batch's frames (as the ledger still holds them) become
// QaFrames, sampleBatch picks the sample, and the picks are stored in qa_samples for reviewers.
// Embeddings for the diversity stage come from the frames' JPEGs, decoded small once per batch
// (a few ms a frame); frames whose JPEG is gone or unreadable take no part in diversity, and hard
// examples and strata still apply.
import { localTime } from '@pretag/shared/config/schedule';
import { cleanupAt, siteTimezone } from '@pretag/shared/config/resolve';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { Ledger } from '../ledger/index.ts';
import { embeddingFromJpeg } from '../qa/embed-jpeg.ts';
import { qaOptionsFromConfig, sampleBatch } from '../qa/sample.ts';
import type { QaFrame } from '../qa/types.ts';

/** The embedding of a stored frame, or undefined when its JPEG cannot be had. */
export async function embedStoredFrame(
  blobs: BlobStore,
  blobKey: string,
): Promise<Float32Array | undefined> {
  const jpeg = await blobs.get(blobKey).catch(() => undefined);
  return jpeg ? embeddingFromJpeg(jpeg) : undefined;
}

/** QaFrames of a batch's frames that the ledger still has (retention may have taken some). */
export async function qaFramesOf(
  ledger: Ledger,
  config: HubConfig,
  batchId: string,
  blobs?: BlobStore,
): Promise<QaFrame[]> {
  const ids = ledger
    .statement<[string], string>(
      'SELECT frame_id FROM batch_frames WHERE batch_id = ? ORDER BY position',
    )
    .pluck()
    .all(batchId);
  const out: QaFrame[] = [];
  for (const id of ids) {
    const f = ledger.frames.getFrame(id);
    if (!f) continue;
    const at = new Date(f.capturedAtMs);
    const settings = cleanupAt(config, { site: f.site, camera: f.camera }, at).settings;
    const cloud = ledger.frames.detectionsOf(id).cloud.filter((d) => d.kept !== false);
    const embedding = blobs ? await embedStoredFrame(blobs, f.blobKey) : undefined;
    out.push({
      frameId: f.frameId,
      camera: f.camera,
      capturedAt: f.capturedAt,
      hour: localTime(at, siteTimezone(config, f.site)).hour,
      reason: f.reason,
      edge: f.edgeDetections,
      cloud: cloud.map((d) => ({ label: d.label, score: d.score, box: d.box })),
      edgeMinScore: f.thresholds.minScore,
      cloudMinScore: settings.min_score,
      cloudClassMinScore: settings.class_min_score,
      ...(embedding && { embedding }),
    });
  }
  return out;
}

/** Samples a closed batch once (a batch that has samples is left alone); returns how many. */
export async function sampleClosedBatch(
  ledger: Ledger,
  config: HubConfig,
  batchId: string,
  now: number,
  blobs?: BlobStore,
): Promise<number> {
  const has = ledger
    .statement<[string], number>('SELECT count(*) FROM qa_samples WHERE batch_id = ?')
    .pluck()
    .get(batchId);
  if ((has ?? 0) > 0) return 0;
  const options = qaOptionsFromConfig(config.qa);
  const r = sampleBatch(await qaFramesOf(ledger, config, batchId, blobs), options);
  const insert = ledger.statement<[string, string, string, string, number]>(
    `INSERT INTO qa_samples (batch_id, frame_id, reasons, seed, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (batch_id, frame_id) DO NOTHING`,
  );
  const tx = ledger.db.transaction(() => {
    for (const s of r.samples)
      insert.run(
        batchId,
        s.frameId,
        JSON.stringify({ reason: s.reason, tags: s.tags, stratum: s.stratum }),
        String(options.seed),
        now,
      );
  });
  tx.immediate();
  return r.samples.length;
}
