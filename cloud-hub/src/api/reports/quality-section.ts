// The report's model-quality section: pooled-over-class cells (all cameras and per camera) per
// model and ISO week, from quality/report.ts, over the report's days.
import type { Ledger } from '../../ledger/open.ts';
import { DEFAULT_QUALITY, qualityReport } from '../../quality/report.ts';
import type { QualityCell, QualityReport, QualitySettings } from '../../quality/report.ts';

export interface QualitySection {
  settings: QualityReport['settings'];
  rules: string[];
  models: QualityReport['models'];
  reviewedFrames: number;
  /** class 'all' cells: camera 'all' first, then per camera. */
  cells: QualityCell[];
}

export function qualitySection(
  ledger: Ledger,
  q: { from: string; to: string; site?: string | undefined; camera?: string | undefined },
  settings: QualitySettings = DEFAULT_QUALITY,
): QualitySection {
  const r = qualityReport(ledger, q, settings);
  return {
    settings: r.settings,
    rules: r.rules,
    models: r.models,
    reviewedFrames: r.reviewedFrames,
    cells: r.cells
      .filter((c) => c.class === 'all')
      .sort((a, b) => Number(b.camera === 'all') - Number(a.camera === 'all')),
  };
}
