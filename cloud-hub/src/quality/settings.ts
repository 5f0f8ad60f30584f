// Settings of the feedback loop (quality, drift, annotators, double review, shadow control), as
// the API takes them; hub.yaml's quality, drift, qa.overlap and shadow sections map onto these.
import type { FlagSettings } from '../annotators/agreement.ts';
import { DEFAULT_FLAG } from '../annotators/agreement.ts';
import type { DriftSettings } from '../drift/alerts.ts';
import { DEFAULT_DRIFT } from '../drift/alerts.ts';
import type { ModelControl } from '../shadow/models.ts';
import type { QualitySettings } from './report.ts';
import { DEFAULT_QUALITY } from './report.ts';

export interface LoopSettings {
  quality: QualitySettings;
  drift: DriftSettings;
  annotators: FlagSettings;
  /** Share of QA samples reviewed twice, and the QA seed that picks them. */
  overlap: { share: number; seed: number };
  /** Production/candidate models; absent when the API runs without detection (tests, tools). */
  models?: ModelControl | undefined;
}

export const DEFAULT_LOOP: LoopSettings = {
  quality: DEFAULT_QUALITY,
  drift: DEFAULT_DRIFT,
  annotators: DEFAULT_FLAG,
  overlap: { share: 0, seed: 1 },
};

export function loopSettings(partial: Partial<LoopSettings> = {}): LoopSettings {
  return { ...DEFAULT_LOOP, ...partial };
}

/** hub.yaml sections onto loop settings. */
export function loopSettingsFromConfig(c: {
  qa: { overlap: number; seed: number };
  quality: { min_reviews: number; confidence: number };
  drift: { alpha: number; min_effect: number; min_count: number };
}): LoopSettings {
  return {
    quality: { minReviews: c.quality.min_reviews, confidence: c.quality.confidence },
    drift: { alpha: c.drift.alpha, minEffect: c.drift.min_effect, minCount: c.drift.min_count },
    annotators: DEFAULT_FLAG,
    overlap: { share: c.qa.overlap, seed: c.qa.seed },
  };
}
