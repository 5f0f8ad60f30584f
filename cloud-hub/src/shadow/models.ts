// Which model is in production and which is in shadow, and promotion of the candidate. A
// promotion is stored (model_promotions, read at the next start so it survives restarts) and
// audited; the swap applies to detect jobs that start after it.
import type { Detector } from '@pretag/shared/detector/types';
import { auditLogFor } from '../audit/log.ts';
import type { Ledger } from '../ledger/open.ts';
import type { SwitchableDetector } from './switchable.ts';

export interface Promotion {
  id: number;
  at: number;
  actor: string;
  from: string | null;
  to: string;
  detector: unknown;
}

export type PromoteOutcome =
  { ok: true; promotion: Promotion } | { ok: false; status: 409; message: string };

export interface ModelControl {
  production(): { model: string; adapter: string };
  candidate(): { model: string; adapter: string; share: number } | null;
  /** The detector the shadow runner uses (undefined: none). */
  candidateDetector(): Detector | undefined;
  promote(
    model: string,
    by: { actor: string; role: string; address?: string | null },
    at: number,
  ): Promise<PromoteOutcome>;
}

interface PromotionRow {
  id: number;
  at: number;
  actor: string;
  from_model: string | null;
  to_model: string;
  detector: string;
}

const toPromotion = (r: PromotionRow): Promotion => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  from: r.from_model,
  to: r.to_model,
  detector: JSON.parse(r.detector) as unknown,
});

/** Every promotion, newest first. */
export function listPromotions(ledger: Ledger, limit = 100): Promotion[] {
  return ledger
    .statement<[number], PromotionRow>(
      'SELECT id, at, actor, from_model, to_model, detector FROM model_promotions ORDER BY id DESC LIMIT ?',
    )
    .all(limit)
    .map(toPromotion);
}

/** The detector block of the last promotion (it overrides hub.yaml's model fields at start). */
export function promotedDetectorBlock(ledger: Ledger): Record<string, unknown> | undefined {
  const p = listPromotions(ledger, 1)[0];
  return p && typeof p.detector === 'object' && p.detector !== null
    ? (p.detector as Record<string, unknown>)
    : undefined;
}

export function createModelControl(o: {
  ledger: Ledger;
  production: SwitchableDetector;
  /** The shadow candidate and the hub.yaml block it was opened from. */
  candidate?: { detector: Detector; block: Record<string, unknown> } | undefined;
  share: () => number;
  /** Called with the replaced detector once it is out of production. */
  retire?: (old: Detector) => void;
}): ModelControl {
  const insert = o.ledger.statement<[number, string, string | null, string, string]>(
    'INSERT INTO model_promotions (at, actor, from_model, to_model, detector) VALUES (?, ?, ?, ?, ?)',
  );
  const one = o.ledger.statement<[number], PromotionRow>(
    'SELECT id, at, actor, from_model, to_model, detector FROM model_promotions WHERE id = ?',
  );
  const audit = auditLogFor(o.ledger.db);
  let candidate = o.candidate;
  const live = () =>
    candidate && candidate.detector.info.modelId !== o.production.info.modelId
      ? candidate
      : undefined;
  return {
    production: () => ({ model: o.production.info.modelId, adapter: o.production.info.adapter }),
    candidate() {
      const c = live();
      return c
        ? { model: c.detector.info.modelId, adapter: c.detector.info.adapter, share: o.share() }
        : null;
    },
    candidateDetector: () => live()?.detector,
    promote(model, by, at) {
      const c = live();
      if (!c)
        return Promise.resolve({
          ok: false,
          status: 409,
          message:
            'no shadow candidate to promote (hub.yaml shadow.model is not set, or it is already in production)',
        });
      if (c.detector.info.modelId !== model)
        return Promise.resolve({
          ok: false,
          status: 409,
          message: `the shadow candidate is "${c.detector.info.modelId}", not "${model}"`,
        });
      const from = o.production.info.modelId;
      const id = o.ledger.db
        .transaction(() => {
          const rowId = Number(
            insert.run(at, by.actor, from, model, JSON.stringify(c.block)).lastInsertRowid,
          );
          audit.record({
            actor: by.actor,
            role: by.role,
            action: 'model.promote',
            target: `model:${model}`,
            diff: { production: { from, to: model }, detector: c.block },
            address: by.address ?? null,
            at,
          });
          return rowId;
        })
        .immediate();
      const old = o.production.swap(c.detector);
      // The candidate is production now; nothing is shadowed until hub.yaml names another.
      candidate = undefined;
      o.retire?.(old);
      const row = one.get(id);
      if (!row) throw new Error('promotion not stored');
      return Promise.resolve({ ok: true, promotion: toPromotion(row) });
    },
  };
}
