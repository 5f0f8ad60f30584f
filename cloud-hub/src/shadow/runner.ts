// Runs the shadow candidate on its share of incoming frames, after production has detected
// them: walks frames in arrival order, waits at a frame still pending (so none is skipped),
// runs the candidate on the chosen ones, cleans its boxes with the camera's rules like
// production's, and stores them apart. One step at a time; a failure is stored and logged.
import type { BlobStore } from '@pretag/shared/blob/store';
import type { Detector } from '@pretag/shared/detector/types';
import type { Logger } from '@pretag/shared/log/logger';
import type { Ledger } from '../ledger/open.ts';
import { toCloudDetections } from '../workers/cloud-detections.ts';
import { fetchJpeg, runDetector } from '../workers/detect-job.ts';
import type { RulesFor } from '../workers/detect-job.ts';
import { inShadowShare } from './select.ts';
import { recordShadowRun } from './store.ts';

export interface ShadowRunnerOptions {
  ledger: Ledger;
  blobs: BlobStore;
  /** The candidate now (undefined: none configured). */
  candidate: () => Detector | undefined;
  /** The production model id now; a candidate equal to it is not shadowed. */
  productionModel: () => string;
  share: () => number;
  rulesFor: RulesFor;
  /** Frames received from this time on are considered (default: the last shadowed frame's). */
  since?: number;
  /** Frames looked at per step (default 64). */
  batch?: number;
  intervalMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface ShadowCounters {
  looked: number;
  ran: number;
  failed: number;
}

export interface ShadowRunner {
  /** One pass over the frames that arrived since the last; resolves with frames run. */
  step(): Promise<number>;
  counters(): ShadowCounters;
  stop(): Promise<void>;
}

interface FrameRow {
  frameId: string;
  blobKey: string;
  site: string;
  camera: string;
  capturedAt: string;
  width: number;
  height: number;
  receivedAt: number;
  state: string;
}

export function startShadowRunner(o: ShadowRunnerOptions): ShadowRunner {
  const now = o.now ?? Date.now;
  const counters: ShadowCounters = { looked: 0, ran: 0, failed: 0 };
  const next = o.ledger.statement<[number, number, string, number], FrameRow>(
    `SELECT frame_id AS frameId, blob_key AS blobKey, site, camera, captured_at AS capturedAt,
       width, height, received_at AS receivedAt, state
     FROM frames WHERE received_at > ? OR (received_at = ? AND frame_id > ?)
     ORDER BY received_at, frame_id LIMIT ?`,
  );
  const last = o.ledger.statement<[], { t: number | null }>(
    'SELECT max(f.received_at) AS t FROM shadow_runs s JOIN frames f ON f.frame_id = s.frame_id',
  );
  let cursor: [number, string] = [o.since ?? last.get()?.t ?? now(), ''];
  // Start at the frame itself when resuming from a stored run (it was already done: skipped below).
  const done = o.ledger.statement<[string, string], { n: number }>(
    'SELECT count(*) AS n FROM shadow_runs WHERE frame_id = ? AND model_id = ?',
  );

  const step = async (): Promise<number> => {
    const candidate = o.candidate();
    if (!candidate || candidate.info.modelId === o.productionModel()) return 0;
    const model = candidate.info.modelId;
    const share = o.share();
    let ran = 0;
    for (const f of next.all(cursor[0], cursor[0], cursor[1], o.batch ?? 64)) {
      if (f.state === 'pending') break;
      cursor = [f.receivedAt, f.frameId];
      counters.looked++;
      if (f.state !== 'detected' || !inShadowShare(f.frameId, share)) continue;
      if ((done.get(f.frameId, model)?.n ?? 0) > 0) continue;
      const jpeg = await fetchJpeg(f, o.blobs);
      const d = jpeg.ok ? await runDetector(jpeg.jpeg, candidate) : jpeg;
      let error: string | undefined;
      let detections: ReturnType<typeof toCloudDetections> = [];
      if (d.ok) {
        try {
          detections = toCloudDetections(d.raw, o.rulesFor(f, new Date(f.capturedAt)), f);
        } catch (err) {
          error = `cleanup failed: ${(err as Error).message}`;
        }
      } else error = d.error;
      try {
        recordShadowRun(o.ledger, {
          frameId: f.frameId,
          modelId: model,
          at: now(),
          computeMs: d.ok ? d.ms : null,
          error,
          detections,
        });
      } catch (err) {
        // The frame may have been deleted by retention meanwhile.
        error = `not stored: ${(err as Error).message}`;
      }
      if (error) {
        counters.failed++;
        o.logger?.warn({ frameId: f.frameId, model, err: error }, 'shadow run failed');
      } else {
        counters.ran++;
        ran++;
      }
    }
    return ran;
  };

  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    running = running
      .then(step)
      .catch((err: unknown) =>
        o.logger?.warn({ err: (err as Error).message }, 'shadow step failed'),
      );
  }, o.intervalMs ?? 2_000);
  timer.unref();
  return {
    step: () => {
      const r = running.then(step, step);
      running = r.catch(() => undefined);
      return r;
    },
    counters: () => ({ ...counters }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
