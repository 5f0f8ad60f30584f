// QA sampling when a batch closes: the batch's frames (as the ledger still holds them) become
// QaFrames, sampleBatch picks the sample, and the picks are stored in qa_samples for reviewers.
// Frames without an embedding take no part in diversity (decoding every JPEG here would cost
// more than the sample is worth); hard examples and strata still apply.
import { localTime } from '@pretag/shared/config/schedule';
import { cleanupAt, siteTimezone } from '@pretag/shared/config/resolve';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { Ledger } from '../ledger/index.ts';
import { qaOptionsFromConfig, sampleBatch } from '../qa/sample.ts';
import type { QaFrame } from '../qa/types.ts';

/** QaFrames of a batch's frames that the ledger still has (retention may have taken some). */
export function qaFramesOf(ledger: Ledger, config: HubConfig, batchId: string): QaFrame[] {
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
    });
  }
  return out;
}

/** Samples a closed batch once (a batch that has samples is left alone); returns how many. */
export function sampleClosedBatch(
  ledger: Ledger,
  config: HubConfig,
  batchId: string,
  now: number,
): number {
  const has = ledger
    .statement<[string], number>('SELECT count(*) FROM qa_samples WHERE batch_id = ?')
    .pluck()
    .get(batchId);
  if ((has ?? 0) > 0) return 0;
  const options = qaOptionsFromConfig(config.qa);
  const r = sampleBatch(qaFramesOf(ledger, config, batchId), options);
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
