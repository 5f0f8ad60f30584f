// After the measure step: INT8 − FP32 AP50 (in points) per INT8 file, for the person+vehicle
// classes one by one, their mean and all mapped classes. The goal: lose at most 1.0 point.
import type { BuildStep } from '../build/build-models.ts';
import type { ModelCard } from '../build/card.ts';
import { voc100MeasurementSchema, type ArtifactMeasurement } from '../measure/measurement.ts';
import { int8StatusSchema } from './settings.ts';

export const INT8_DELTA_STEP_ID = 'int8-delta@1';
export const MAX_KEY_CLASS_LOSS = 1.0;

/** Pure: AP50 differences in points (−1 "undefined" APs are left out). */
export function ap50Delta(
  fp32: ArtifactMeasurement['ap50'],
  int8: ArtifactMeasurement['ap50'],
): Record<string, number> {
  const out: Record<string, number> = {};
  const after: Record<string, number> = int8;
  for (const [k, a] of Object.entries(fp32)) {
    const b = after[k];
    if (b === undefined || a < 0 || b < 0) continue;
    out[k] = Math.round((b - a) * 1e4) / 1e2;
  }
  return out;
}

export function createInt8DeltaStep(): BuildStep {
  return {
    id: INT8_DELTA_STEP_ID,
    label: 'INT8 vs FP32 AP50',
    run(ctx): Promise<ModelCard> {
      return Promise.resolve(withDelta(ctx.card));
    },
    describe(card) {
      const s = int8StatusSchema.safeParse(card.measurements.int8);
      if (!s.success || s.data.status !== 'built' || !s.data.ap50Delta) return 'not measured';
      return Object.entries(s.data.ap50Delta)
        .map(([f, d]) => `${f} ${fmt(d.keyClasses)} AP50 points (person+vehicles)`)
        .join(', ');
    },
  };
}

const fmt = (v: number | undefined) =>
  v === undefined ? '?' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;

function withDelta(card: ModelCard): ModelCard {
  const status = int8StatusSchema.safeParse(card.measurements.int8);
  const voc = voc100MeasurementSchema.safeParse(card.measurements.voc100);
  if (!status.success || status.data.status !== 'built') return card;
  if (!voc.success || voc.data.status !== 'measured') return card;
  const fp32 = voc.data.results.find((r) => r.precision === 'fp32');
  if (!fp32) return card;
  const deltas: Record<string, Record<string, number>> = {};
  for (const r of voc.data.results)
    if (status.data.files.includes(r.file)) deltas[r.file] = ap50Delta(fp32.ap50, r.ap50);
  return {
    ...card,
    measurements: { ...card.measurements, int8: { ...status.data, ap50Delta: deltas } },
  };
}
