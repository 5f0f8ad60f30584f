// Prometheus gauges for the feedback loop, computed at scrape time and cached for a minute
// (they read every review of the recent weeks):
//   pretag_quality_precision / _recall / _ap50 {source, model, camera}  latest ISO week with reviews
//   pretag_quality_ground_truth {source, model, camera}                ground-truth boxes behind them
//   pretag_drift_alert {site, camera, kind}                            1 when drift is flagged
//   pretag_drift_p_value / pretag_drift_effect {site, camera, kind}    p-value; Cramér's V or KS D
//   pretag_shadow_agreement {candidate, class}                         matched / union, last 7 days
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { driftReport } from '../../drift/load.ts';
import type { DriftReport } from '../../drift/load.ts';
import { qualityReport } from '../../quality/report.ts';
import type { QualityReport } from '../../quality/report.ts';
import type { LoopSettings } from '../../quality/settings.ts';
import { shadowComparison, shadowModels } from '../../shadow/report.ts';
import type { ShadowComparison } from '../../shadow/report.ts';
import type { ApiDeps } from '../deps.ts';
import { DAY_MS, dayOf } from './loop-dates.ts';

const CACHE_MS = 60_000;

function cached<T>(now: () => number, make: () => T): () => T | undefined {
  let at = -Infinity;
  let value: T | undefined;
  return () => {
    if (value === undefined || now() - at > CACHE_MS) {
      // A failure keeps the last good value (or shows nothing): a scrape must not fail.
      try {
        value = make();
      } catch {
        if (value === undefined) return undefined;
      }
      at = now();
    }
    return value;
  };
}

export function registerLoopMetrics(registry: Registry, deps: ApiDeps, loop: LoopSettings): void {
  if (registry.getSingleMetric('pretag_quality_precision')) return;
  const quality = cached<QualityReport>(deps.now, () => {
    const t = deps.now();
    return qualityReport(
      deps.ledger,
      { from: dayOf(t - 13 * DAY_MS), to: dayOf(t), noRecall: true },
      loop.quality,
    );
  });
  const drift = cached<DriftReport>(deps.now, () =>
    driftReport(deps.ledger, Date.parse(`${dayOf(deps.now())}T00:00:00Z`) + DAY_MS, loop.drift),
  );
  const shadow = cached<ShadowComparison | undefined>(deps.now, () => {
    const model = loop.models?.candidate()?.model ?? shadowModels(deps.ledger)[0]?.model;
    const t = deps.now();
    return model === undefined
      ? undefined
      : shadowComparison(
          deps.ledger,
          model,
          { from: t - 7 * DAY_MS, to: t + DAY_MS },
          loop.quality,
        );
  });

  const latestCells = () => {
    const cells = (quality()?.cells ?? []).filter((c) => c.class === 'all');
    const latest = new Map<string, (typeof cells)[number]>();
    for (const c of cells) {
      const k = `${c.source}\0${c.model}\0${c.camera}`;
      const p = latest.get(k);
      if (!p || c.week > p.week) latest.set(k, c);
    }
    return [...latest.values()];
  };
  const qualityGauge = (
    name: string,
    help: string,
    pick: (c: ReturnType<typeof latestCells>[number]) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['source', 'model', 'camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of latestCells()) {
          const v = pick(c);
          if (v !== null) this.set({ source: c.source, model: c.model, camera: c.camera }, v);
        }
      },
    });
  qualityGauge(
    'pretag_quality_precision',
    'Precision of the boxes a model delivered, latest ISO week with reviews',
    (c) => c.precision?.estimate ?? null,
  );
  qualityGauge(
    'pretag_quality_recall',
    'Recall of reviewed objects, latest ISO week with reviews',
    (c) => c.recall?.estimate ?? null,
  );
  qualityGauge(
    'pretag_quality_ap50',
    'AP at IoU 0.5 (COCO), latest ISO week with reviews',
    (c) => c.ap50,
  );
  qualityGauge(
    'pretag_quality_ground_truth',
    'Reviewed ground-truth boxes behind the quality gauges',
    (c) => c.numGt,
  );

  const driftGauge = (
    name: string,
    help: string,
    pick: (c: DriftReport['cameras'][number], kind: 'class-mix' | 'scores') => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['site', 'camera', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of drift()?.cameras ?? [])
          for (const kind of ['class-mix', 'scores'] as const) {
            const v = pick(c, kind);
            if (v !== null) this.set({ site: c.site, camera: c.camera, kind }, v);
          }
      },
    });
  driftGauge(
    'pretag_drift_alert',
    'Drift flagged this week against the last (1) or not (0)',
    (c, k) => (k === 'class-mix' ? (c.classMix.alert ? 1 : 0) : c.scores.alert ? 1 : 0),
  );
  driftGauge(
    'pretag_drift_p_value',
    'p-value of the drift test (chi-square for class mix, KS for scores)',
    (c, k) =>
      k === 'class-mix'
        ? c.classMix.tested
          ? c.classMix.pValue
          : null
        : c.scores.tested
          ? c.scores.pValue
          : null,
  );
  driftGauge(
    'pretag_drift_effect',
    "Effect size of the drift: Cramér's V for class mix, KS D for scores",
    (c, k) => (k === 'class-mix' ? c.classMix.cramersV : c.scores.tested ? c.scores.d : null),
  );

  new Gauge({
    name: 'pretag_shadow_agreement',
    help: 'Shadow candidate against production, last 7 days: matched / union boxes per class',
    labelNames: ['candidate', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      const s = shadow();
      if (!s) return;
      for (const a of s.agreement)
        if (a.agreement !== null) this.set({ candidate: s.candidate, class: a.class }, a.agreement);
    },
  });
}
