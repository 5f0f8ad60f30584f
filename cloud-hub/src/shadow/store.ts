// Shadow results in their own tables (shadow_runs, shadow_detections): never in `detections`,
// so batches, QA and reports built from production boxes cannot see them.
import type { Ledger } from '../ledger/open.ts';
import type { CloudDetection } from '../ledger/types.ts';

export function recordShadowRun(
  ledger: Ledger,
  run: {
    frameId: string;
    modelId: string;
    at: number;
    computeMs: number | null;
    error?: string | undefined;
    detections: readonly CloudDetection[];
  },
): void {
  const runSql = ledger.statement(
    `INSERT OR REPLACE INTO shadow_runs (frame_id, model_id, ran_at, compute_ms, error)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const clear = ledger.statement(
    'DELETE FROM shadow_detections WHERE frame_id = ? AND model_id = ?',
  );
  const det = ledger.statement(
    `INSERT INTO shadow_detections (frame_id, model_id, label, score, x1, y1, x2, y2, kept, drop_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  ledger.db.transaction(() => {
    runSql.run(run.frameId, run.modelId, run.at, run.computeMs, run.error ?? null);
    clear.run(run.frameId, run.modelId);
    for (const d of run.detections)
      det.run(
        run.frameId,
        run.modelId,
        d.label,
        d.score,
        d.box[0],
        d.box[1],
        d.box[2],
        d.box[3],
        d.kept === undefined ? null : d.kept ? 1 : 0,
        d.dropReason ?? null,
      );
  })();
}
