// An external worker following the hub's production control (`{prefix}/control/detector`,
// retained): a newer revision is opened beside the model in use and swapped in only once it
// opened; one that fails to open leaves the worker on its model, logged and reported. Stale,
// malformed or invalid messages are ignored with a log line. The decision is pure
// (decideControl); applying it is one model switch at a time.
//
// Jobs during a swap: new jobs wait (held) while the model opens, so every job that reaches
// the worker after the control message is detected by the promoted model (or, if it does not
// open, by the old one). Detections already running finish on the old model and their results
// carry its id: the hub attributes boxes to the model that made them. The old model is closed
// after its last detection.
import type { Detector } from '@pretag/shared/detector/types';
import type { Logger } from '@pretag/shared/log/logger';
import { CONTROL_VERSION, decodeDetectorControl } from '@pretag/shared/mqtt/control';
import type { DetectorControl, WorkerModel } from '@pretag/shared/mqtt/control';
import type { SwitchableDetector } from '../shadow/switchable.ts';

export type ControlDecision =
  | { action: 'apply'; control: DetectorControl }
  /** The hub cleared the control: back to hub.yaml's detector. */
  | { action: 'fallback' }
  | { action: 'ignore'; reason: string; bad: boolean };

/** What to do with a control payload, given the highest revision already seen (0: none). */
export function decideControl(payload: Uint8Array, seen: number): ControlDecision {
  if (payload.byteLength === 0)
    return seen > 0
      ? { action: 'fallback' }
      : { action: 'ignore', reason: 'cleared, and hub.yaml’s detector is in use', bad: false };
  const r = decodeDetectorControl(payload);
  if (!r.ok) return { action: 'ignore', reason: r.reason, bad: true };
  const rev = r.value.revision;
  if (rev < seen)
    return { action: 'ignore', reason: `revision ${rev} is older than ${seen}`, bad: true };
  if (rev === seen)
    return { action: 'ignore', reason: `revision ${rev} already handled`, bad: false };
  return { action: 'apply', control: r.value };
}

export interface DetectorControlOptions {
  detector: SwitchableDetector;
  worker: string;
  /** Opens a promoted block checked against this worker's hub.yaml; undefined: hub.yaml's own. */
  open(block: Record<string, unknown> | undefined): Promise<Detector>;
  /** A model out of production whose last detection has finished. */
  retire(old: Detector): Promise<void>;
  /** The worker's answer changed (published retained by the caller). */
  report(status: WorkerModel): void;
  /** Jobs are held while a model opens. */
  hold(on: boolean): void;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => number;
}

export interface DetectorControlHandler {
  handle(payload: Uint8Array): void;
  status(): WorkerModel;
  /** Resolves when no switch is running or waiting. */
  settled(): Promise<void>;
  /** Stops taking control messages; resolves after the switch in progress, if any. */
  stop(): Promise<void>;
}

export function createDetectorControl(o: DetectorControlOptions): DetectorControlHandler {
  const now = o.now ?? Date.now;
  let seen = 0;
  let served = 0;
  let failed: WorkerModel['failed'];
  let next: Exclude<ControlDecision, { action: 'ignore' }> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const retiring = new Set<Promise<void>>();

  const status = (): WorkerModel => ({
    v: CONTROL_VERSION,
    worker: o.worker,
    model: o.detector.info.modelId,
    revision: served,
    ...(failed && { failed }),
    at: new Date(now()).toISOString(),
  });

  const apply = async (d: Exclude<ControlDecision, { action: 'ignore' }>): Promise<void> => {
    const revision = d.action === 'apply' ? d.control.revision : 0;
    const model = d.action === 'apply' ? d.control.model : "hub.yaml's detector";
    const from = o.detector.info.modelId;
    let opened: Detector;
    try {
      opened = await o.open(d.action === 'apply' ? d.control.detector : undefined);
    } catch (err) {
      const error = (err as Error).message;
      if (revision > 0) failed = { revision, model, error };
      o.logger?.error(
        { revision, model, err: error },
        `the promoted model ${model} did not open; still detecting with ${from}`,
      );
      o.report(status());
      return;
    }
    if (stopped) {
      await o.retire(opened);
      return;
    }
    const old = o.detector.swap(opened);
    served = revision;
    failed = undefined;
    o.logger?.info(
      { revision, from, to: opened.info.modelId },
      `detector swapped: ${from} -> ${opened.info.modelId} for jobs from now on`,
    );
    o.report(status());
    const r: Promise<void> = o.detector
      .idle(old)
      .then(() => o.retire(old))
      .catch((err: unknown) =>
        o.logger?.warn({ err: (err as Error).message }, 'closing the replaced model failed'),
      )
      .finally(() => retiring.delete(r));
    retiring.add(r);
  };

  const drain = async (): Promise<void> => {
    o.hold(true);
    try {
      // Only the newest waiting message is applied: an older one would be replaced at once.
      while (next && !stopped) {
        const d = next;
        next = undefined;
        await apply(d);
      }
    } finally {
      o.hold(false);
    }
  };
  const kick = (): void => {
    running ??= drain().finally(() => {
      running = undefined;
      if (next && !stopped) kick();
    });
  };

  return {
    handle(payload) {
      if (stopped) return;
      const d = decideControl(payload, seen);
      if (d.action === 'ignore') {
        if (d.bad) o.logger?.warn({ reason: d.reason }, 'detector control ignored');
        else o.logger?.info({ reason: d.reason }, 'detector control: nothing to do');
        return;
      }
      seen = d.action === 'apply' ? d.control.revision : 0;
      o.logger?.info(
        d.action === 'apply'
          ? { revision: d.control.revision, model: d.control.model }
          : { revision: 0 },
        'detector control received: opening the model',
      );
      next = d;
      // drain() holds jobs at once (synchronously), before the next message is read.
      kick();
    },
    status,
    async settled() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      next = undefined;
      while (running) await running;
      await Promise.all(retiring);
    },
  };
}
