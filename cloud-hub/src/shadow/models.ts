// Which model is in production and which is in shadow, and promotion of the candidate. A
// promotion is stored (model_promotions, read at the next start so it survives restarts) and
// audited; then production changes: in-process by swapping the hub's detector, in the scale-out
// shape by the retained control message external workers follow (worker-models.ts).
import path from 'node:path';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import type { Detector } from '@pretag/shared/detector/types';
import type { WorkerModel } from '@pretag/shared/mqtt/control';
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
  /** External workers' answers to the production control (scale-out shape only). */
  workers?(): WorkerModel[];
}

/** Where production detection happens: the hub's own detector, or external workers. */
export interface Production {
  info(): { model: string; adapter: string };
  /** Puts the candidate in production; called once its promotion is stored and audited. */
  promote(candidate: Detector, promotion: Promotion): void | Promise<void>;
}

/**
 * Production in-process: the hub's switchable detector takes the candidate for new jobs; the
 * replaced model stays open (a detection may still run on it) and closes with the hub.
 */
export function inProcessProduction(detector: SwitchableDetector): Production {
  return {
    info: () => ({ model: detector.info.modelId, adapter: detector.info.adapter }),
    promote(candidate) {
      detector.swap(candidate);
    },
  };
}

export type PromotedCheck =
  { ok: true; detector: HubConfig['detector'] } | { ok: false; problem: string[] };

/**
 * A promoted detector block as a full hub.yaml detector: its model fields replace hub.yaml's
 * whole (a file or classes of the old model must not leak into the new one); batching and
 * concurrency stay hub.yaml's. Checked with the detector schema, not cast.
 */
export function promotedDetector(
  block: Record<string, unknown>,
  fromConfig: HubConfig['detector'],
): PromotedCheck {
  const run = { batch: fromConfig.batch, concurrency: fromConfig.concurrency };
  const parsed = hubFileSchema.shape.detector.safeParse({ ...block, ...run });
  return parsed.success
    ? { ok: true, detector: parsed.data }
    : {
        ok: false,
        problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      };
}

/** The model id a detector block opens as (the ONNX file's name, as the detector names it). */
export function modelIdOf(block: { adapter: string; file?: string | undefined }): string {
  return block.file ? path.basename(block.file, path.extname(block.file)) : block.adapter;
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
  production: Production;
  /** The shadow candidate and the hub.yaml block it was opened from. */
  candidate?: { detector: Detector; block: Record<string, unknown> } | undefined;
  share: () => number;
  workers?: () => WorkerModel[];
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
    candidate && candidate.detector.info.modelId !== o.production.info().model
      ? candidate
      : undefined;
  return {
    production: () => o.production.info(),
    ...(o.workers && { workers: o.workers }),
    candidate() {
      const c = live();
      return c
        ? { model: c.detector.info.modelId, adapter: c.detector.info.adapter, share: o.share() }
        : null;
    },
    candidateDetector: () => live()?.detector,
    async promote(model, by, at) {
      const c = live();
      if (!c)
        return {
          ok: false,
          status: 409,
          message:
            'no shadow candidate to promote (hub.yaml shadow.model is not set, or it is already in production)',
        };
      if (c.detector.info.modelId !== model)
        return {
          ok: false,
          status: 409,
          message: `the shadow candidate is "${c.detector.info.modelId}", not "${model}"`,
        };
      const from = o.production.info().model;
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
      const row = one.get(id);
      if (!row) throw new Error('promotion not stored');
      const promotion = toPromotion(row);
      // The candidate is production now; nothing is shadowed until hub.yaml names another.
      candidate = undefined;
      await o.production.promote(c.detector, promotion);
      return { ok: true, promotion };
    },
  };
}
