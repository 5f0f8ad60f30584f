// The edge agent's on-disk queue of frames waiting to go to the hub: SQLite rows (better-sqlite3)
// plus one JPEG file per frame. A frame accepted here survives kill -9 and power loss; it leaves
// only when both the blob upload and the metadata publish are acknowledged, or when a bound
// (bytes, age, full disk) drops it, oldest first, counted by reason.
import type { Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFile, rm, statfs } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import { framePayloadSchema } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import { planByteCap, planMakeRoom } from './byte-cap.ts';
import type { SizedItem } from './byte-cap.ts';
import { bumpCounter, readCounters, zeroCounts } from './counters.ts';
import type { DropCounts, DropReason } from './counters.ts';
import { writeFileDurable } from './durable-file.ts';
import { SpoolError, isDiskFull } from './errors.ts';
import { BLOBS_DIR, openSpoolDb } from './open-db.ts';
import type { CorruptionReport } from './open-db.ts';
import { recoverSpool } from './recovery.ts';
import type { SqliteHandle } from './sqlite-handle.ts';
import type { RecoveryReport } from './recovery.ts';

export type { DropCounts, DropReason } from './counters.ts';

/** Structured log sink; a pino Logger fits. */
export interface SpoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: SpoolLog = { info() {}, warn() {}, error() {} };

export interface SpoolOptions {
  dir: string;
  /** Upper bound on spooled JPEG bytes (database overhead, ~1 KB a frame, is not counted). */
  maxBytes: number;
  /** Frames captured longer ago than this are dropped. */
  maxAgeS: number;
  /** ms since the epoch; injectable for tests. */
  clock?: () => number;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** How long to wait for a lock held by another process before failing with "locked". */
  busyTimeoutMs?: number;
  log?: SpoolLog;
}

/** Spool options from edge.yaml's `spool:` section. */
export function spoolOptionsFromConfig(spool: EdgeConfig['spool']): SpoolOptions {
  return { dir: spool.dir, maxBytes: spool.max_bytes, maxAgeS: spool.max_age };
}

export interface SpoolItem {
  seq: number;
  frameId: string;
  camera: string;
  capturedAtMs: number;
  bytes: number;
  sha256: string;
  /** Absolute path of the JPEG, for streaming uploads. */
  path: string;
  frame: FramePayload;
  attempts: number;
  nextAttemptAtMs: number;
  blobUploaded: boolean;
  published: boolean;
  lastError: string | null;
}

export interface DroppedFrame {
  frameId: string;
  reason: DropReason;
}

export interface AcceptResult {
  frameId: string;
  /** The frame was already spooled (same bytes); nothing was written. */
  duplicate: boolean;
  /** Older frames dropped to make room for this one. */
  dropped: DroppedFrame[];
}

/** After an acknowledgement: deleted (both steps done), pending (one left), or unknown (already gone). */
export type AckResult = 'deleted' | 'pending' | 'unknown';

export interface RetryResult {
  attempts: number;
  delayMs: number;
  nextAttemptAtMs: number;
}

export interface SpoolStats {
  items: number;
  bytes: number;
  /** Items whose blob is uploaded but metadata not yet published. */
  blobUploaded: number;
  oldestCapturedAtMs: number | null;
  oldestAgeMs: number | null;
  /** Cumulative since the spool was created. */
  dropped: DropCounts;
}

export interface OpenReport extends RecoveryReport {
  corruption?: CorruptionReport;
}

interface ItemRow {
  seq: number;
  frame_id: string;
  camera: string;
  captured_at_ms: number;
  bytes: number;
  sha256: string;
  file_name: string;
  metadata: string;
  attempts: number;
  next_attempt_at_ms: number;
  blob_uploaded_at_ms: number | null;
  published_at_ms: number | null;
  last_error: string | null;
}

const PAGE = 64;
const MAX_ERROR_TEXT = 500;
/** Extra room to free on a full disk beyond the JPEG itself: file-system blocks and WAL pages. */
const DISK_FULL_SLACK = 64 * 1024;

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Check a frame and its JPEG at the boundary; the message names the first problem. */
function checkFrame(frame: unknown, jpeg: unknown): FramePayload {
  const r = framePayloadSchema.safeParse(frame);
  if (!r.success) {
    const [first] = r.error.issues;
    const where = first?.path.length ? first.path.map(String).join('.') : 'frame';
    throw new SpoolError('invalid_frame', `invalid frame: ${where}: ${first?.message ?? ''}`);
  }
  const f = r.data;
  if (!(jpeg instanceof Uint8Array))
    throw new SpoolError('invalid_frame', `frame ${f.frameId}: JPEG must be a Buffer/Uint8Array`);
  if (jpeg.byteLength !== f.bytes)
    throw new SpoolError(
      'invalid_frame',
      `frame ${f.frameId}: JPEG is ${jpeg.byteLength} bytes but metadata says ${f.bytes}`,
    );
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8)
    throw new SpoolError(
      'invalid_frame',
      `frame ${f.frameId}: data is not a JPEG (no FF D8 start marker)`,
    );
  const sha = sha256Hex(jpeg);
  if (sha !== f.sha256)
    throw new SpoolError(
      'invalid_frame',
      `frame ${f.frameId}: JPEG sha256 ${sha} does not match metadata ${f.sha256}`,
    );
  return f;
}

export class Spool {
  readonly dir: string;
  readonly blobsDir: string;
  /** What open() found and repaired. */
  readonly openReport: OpenReport;
  private readonly sql: SqliteHandle;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly log: SpoolLog;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly byFrame = new Map<string, Promise<unknown>>();
  /** Drop counts that could not be written (disk full); saved with the next write. */
  private readonly unsaved: DropCounts = zeroCounts();
  private closed = false;
  /** Set by close(): new accepts are refused while those in flight finish. */
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private readonly q: {
    get: Statement<[string], ItemRow>;
    insert: Statement<Record<string, unknown>>;
    del: Statement<[string]>;
    page: Statement<[number, number], SizedItem>;
    totals: Statement<[], { items: number; bytes: number | null; oldest: number | null }>;
  };

  private constructor(opts: SpoolOptions, sql: SqliteHandle, report: OpenReport) {
    this.dir = opts.dir;
    this.blobsDir = path.join(opts.dir, BLOBS_DIR);
    this.sql = sql;
    this.openReport = report;
    this.maxBytes = opts.maxBytes;
    this.maxAgeMs = opts.maxAgeS * 1000;
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.log = opts.log ?? silent;
    this.q = {
      get: sql.stmt('SELECT * FROM items WHERE frame_id = ?') as Statement<[string], ItemRow>,
      insert: sql.stmt(
        `INSERT INTO items (frame_id, camera, captured_at_ms, accepted_at_ms, bytes, sha256, file_name, metadata)
         VALUES (@frameId, @camera, @capturedAtMs, @acceptedAtMs, @bytes, @sha256, @fileName, @metadata)`,
      ),
      del: sql.stmt('DELETE FROM items WHERE frame_id = ?'),
      page: sql.stmt(
        'SELECT frame_id AS frameId, bytes FROM items ORDER BY captured_at_ms, seq LIMIT ? OFFSET ?',
      ) as Statement<[number, number], SizedItem>,
      totals: sql.stmt(
        'SELECT COUNT(*) AS items, SUM(bytes) AS bytes, MIN(captured_at_ms) AS oldest FROM items',
      ) as Statement<[], { items: number; bytes: number | null; oldest: number | null }>,
    };
  }

  /**
   * Open (or create) the spool in `opts.dir`, repair what a crash left behind, and drop frames
   * past max_age. A corrupt database is moved aside with its blobs and a new one started;
   * `openReport.corruption` says where. Throws SpoolError "locked" if another process has it.
   */
  static open(opts: SpoolOptions): Spool {
    if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1)
      throw new SpoolError(
        'invalid_options',
        `spool max_bytes must be a positive integer, got ${opts.maxBytes}`,
      );
    if (!(opts.maxAgeS > 0))
      throw new SpoolError(
        'invalid_options',
        `spool max_age must be positive seconds, got ${opts.maxAgeS}`,
      );
    const log = opts.log ?? silent;
    const now = (opts.clock ?? Date.now)();
    const { sql, corruption } = openSpoolDb(opts.dir, opts.busyTimeoutMs ?? 2_000, now);
    if (corruption)
      log.error(
        { dir: opts.dir, reason: corruption.reason, movedTo: corruption.movedTo },
        'spool database was corrupt: moved it and its blobs aside for inspection and started an empty spool',
      );
    let recovery: RecoveryReport;
    try {
      recovery = recoverSpool(sql, path.join(opts.dir, BLOBS_DIR));
    } catch (e) {
      sql.db.close();
      throw new SpoolError('io', `spool recovery in ${opts.dir} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (recovery.lostFrames.length)
      log.warn(
        { lost: recovery.lostFrames.length, frameIds: recovery.lostFrames.slice(0, 20) },
        'spooled frames whose JPEG was missing or damaged were removed',
      );
    if (recovery.tempFilesRemoved || recovery.orphanFilesRemoved)
      log.info(
        { temp: recovery.tempFilesRemoved, orphans: recovery.orphanFilesRemoved },
        'removed files left by an interrupted write or delete',
      );
    const spool = new Spool(opts, sql, { ...recovery, ...(corruption ? { corruption } : {}) });
    spool.sweepExpired(now);
    return spool;
  }

  /**
   * Store a frame durably. Resolves once the JPEG and its row are both on disk (fsynced).
   * Idempotent on frameId. Over max_bytes, the oldest frames are dropped (never this one).
   * Rejects with SpoolError: invalid_frame, conflict, too_large, expired, disk_full, closed, io.
   */
  accept(frame: FramePayload, jpeg: Uint8Array): Promise<AcceptResult> {
    try {
      this.assertOpen();
      if (this.closing) throw new SpoolError('closed', `spool ${this.dir} is closing`);
      const f = checkFrame(frame, jpeg);
      // Same frameId twice at once: the second waits and then finds the first's row.
      const before = this.byFrame.get(f.frameId) ?? Promise.resolve();
      const run = before.catch(() => undefined).then(() => this.acceptChecked(f, jpeg));
      this.byFrame.set(f.frameId, run);
      this.inFlight.add(run);
      void run
        .finally(() => {
          this.inFlight.delete(run);
          if (this.byFrame.get(f.frameId) === run) this.byFrame.delete(f.frameId);
        })
        .catch(() => undefined);
      return run;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private async acceptChecked(f: FramePayload, jpeg: Uint8Array): Promise<AcceptResult> {
    this.assertOpen();
    const now = this.clock();
    const capturedAtMs = Date.parse(f.capturedAt);
    this.sweepExpired(now);
    const existing = this.q.get.get(f.frameId);
    if (existing) {
      if (existing.sha256 === f.sha256) return { frameId: f.frameId, duplicate: true, dropped: [] };
      throw new SpoolError(
        'conflict',
        `frame ${f.frameId} is already spooled with different bytes (sha256 ${existing.sha256.slice(0, 12)}…)`,
      );
    }
    if (capturedAtMs < now - this.maxAgeMs) {
      this.count('age', 1);
      throw new SpoolError(
        'expired',
        `frame ${f.frameId} was captured ${Math.round((now - capturedAtMs) / 1000)} s ago, past spool.max_age (${this.maxAgeMs / 1000} s)`,
      );
    }
    if (f.bytes > this.maxBytes) {
      this.count('too_large', 1);
      throw new SpoolError(
        'too_large',
        `frame ${f.frameId} is ${f.bytes} bytes, larger than spool.max_bytes (${this.maxBytes})`,
      );
    }
    const fileName = `${f.frameId}.jpg`;
    const dropped: DroppedFrame[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFileDurable(this.blobsDir, fileName, jpeg);
        try {
          this.assertOpen();
          dropped.push(...this.commitNew(f, capturedAtMs, now, fileName));
        } catch (e) {
          await rm(path.join(this.blobsDir, fileName), { force: true }).catch(() => undefined);
          throw e;
        }
        return { frameId: f.frameId, duplicate: false, dropped };
      } catch (e) {
        if (e instanceof SpoolError) throw e;
        if (!isDiskFull(e))
          throw new SpoolError('io', `cannot spool frame ${f.frameId}: ${(e as Error).message}`, {
            cause: e,
          });
        if (attempt === 0) {
          const freed = await this.makeRoom(f.bytes + DISK_FULL_SLACK - (await this.freeBytes()));
          if (freed) {
            dropped.push(...freed.map((frameId) => ({ frameId, reason: 'disk_full' as const })));
            if (freed.length)
              this.log.warn(
                { frameId: f.frameId, dropped: freed.length },
                'disk full: dropped oldest frames to make room',
              );
            continue;
          }
        }
        this.count('disk_full', 1);
        throw new SpoolError(
          'disk_full',
          `disk full (${(e as { code?: string }).code}) writing frame ${f.frameId} (${f.bytes} bytes) to ${this.dir}` +
            (attempt === 0
              ? '; the spool holds too little to make room, so the new frame was rejected'
              : '; still full after dropping the oldest frames, so the new frame was rejected'),
          { cause: e },
        );
      }
    }
  }

  /** Insert the row, dropping the oldest rows first if over max_bytes; all in one transaction. */
  private commitNew(
    f: FramePayload,
    capturedAtMs: number,
    now: number,
    fileName: string,
  ): DroppedFrame[] {
    const victims = this.sql.db
      .transaction(() => {
        this.flushUnsaved();
        const held = this.q.totals.get()?.bytes ?? 0;
        const plan = planByteCap(this.oldestFirst(), held, f.bytes, this.maxBytes);
        for (const id of plan.drop) this.q.del.run(id);
        bumpCounter(this.sql, 'bytes_cap', plan.drop.length);
        this.q.insert.run({
          frameId: f.frameId,
          camera: f.camera,
          capturedAtMs,
          acceptedAtMs: now,
          bytes: f.bytes,
          sha256: f.sha256,
          fileName,
          metadata: JSON.stringify(f),
        });
        return plan.drop;
      })
      .immediate();
    // Rows are gone; a crash before these unlinks leaves orphans that the next open deletes.
    for (const id of victims) this.unlinkQuiet(`${id}.jpg`);
    if (victims.length)
      this.log.info(
        { frameId: f.frameId, dropped: victims },
        'spool over max_bytes: dropped oldest frames',
      );
    return victims.map((frameId) => ({ frameId, reason: 'bytes_cap' as const }));
  }

  /** Free space on the spool's file system; 0 when it cannot be read. */
  private async freeBytes(): Promise<number> {
    try {
      const st = await statfs(this.dir);
      return st.bavail * st.bsize;
    } catch {
      return 0;
    }
  }

  /** Drop the oldest frames holding at least `needBytes`; undefined if the spool holds less. */
  private async makeRoom(needBytes: number): Promise<string[] | undefined> {
    const victims = planMakeRoom(this.oldestFirst(), needBytes);
    if (!victims) return undefined;
    const files = victims.map((id) => path.join(this.blobsDir, `${id}.jpg`));
    try {
      this.deleteRows(victims, 'disk_full');
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      // Even the delete cannot be journalled: free the files first, then retry the rows. A crash
      // in between leaves rows without files, which the next open drops as lost.
      await Promise.all(files.map((p) => rm(p, { force: true })));
      this.deleteRows(victims, 'disk_full');
    }
    await Promise.all(files.map((p) => rm(p, { force: true })));
    return victims;
  }

  /** Lazily page through (frameId, bytes) in drain order, oldest first. */
  private *oldestFirst(): Generator<SizedItem> {
    for (let offset = 0; ; offset += PAGE) {
      const rows = this.q.page.all(PAGE, offset);
      yield* rows;
      if (rows.length < PAGE) return;
    }
  }

  private deleteRows(frameIds: readonly string[], reason: DropReason): void {
    this.sql.db
      .transaction(() => {
        this.flushUnsaved();
        let n = 0;
        for (const id of frameIds) n += this.q.del.run(id).changes;
        bumpCounter(this.sql, reason, n);
      })
      .immediate();
  }

  /** Count drops; if the disk is too full to record them, keep them until the next write. */
  private count(reason: DropReason, n: number): void {
    try {
      this.sql.db
        .transaction(() => {
          this.flushUnsaved();
          bumpCounter(this.sql, reason, n);
        })
        .immediate();
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      this.unsaved[reason] += n;
    }
  }

  private flushUnsaved(): void {
    for (const reason of Object.keys(this.unsaved) as DropReason[]) {
      bumpCounter(this.sql, reason, this.unsaved[reason]);
    }
    // Zeroed only if the surrounding transaction commits: it throws before this point otherwise.
    Object.assign(this.unsaved, zeroCounts());
  }

  private unlinkQuiet(fileName: string): void {
    try {
      rmSync(path.join(this.blobsDir, fileName), { force: true });
    } catch (e) {
      this.log.warn(
        { fileName, err: (e as Error).message },
        'could not delete spooled JPEG; it will be removed on restart',
      );
    }
  }

  /** Drop frames captured more than max_age before `now`. Returns their frameIds. */
  sweepExpired(now: number = this.clock()): string[] {
    this.assertOpen();
    const cutoff = now - this.maxAgeMs;
    const expired = (
      this.sql
        .stmt('SELECT frame_id FROM items WHERE captured_at_ms < ? ORDER BY captured_at_ms, seq')
        .all(cutoff) as {
        frame_id: string;
      }[]
    ).map((r) => r.frame_id);
    if (!expired.length) return [];
    this.deleteRows(expired, 'age');
    for (const id of expired) this.unlinkQuiet(`${id}.jpg`);
    this.log.info({ dropped: expired.length }, 'dropped spooled frames older than spool.max_age');
    return expired;
  }

  /**
   * The oldest frame ready to send at `now` (capture time, then acceptance order), skipping
   * frameIds in `exclude` (e.g. uploads in progress). Does not lease the item.
   */
  next(now: number = this.clock(), exclude?: ReadonlySet<string>): SpoolItem | undefined {
    this.assertOpen();
    this.sweepExpired(now);
    const stmt = this.sql.stmt(
      'SELECT * FROM items WHERE next_attempt_at_ms <= ? ORDER BY captured_at_ms, seq LIMIT ? OFFSET ?',
    );
    for (let offset = 0; ; offset += PAGE) {
      const rows = stmt.all(now, PAGE, offset) as ItemRow[];
      for (const row of rows) {
        if (exclude?.has(row.frame_id)) continue;
        const item = this.toItem(row);
        if (item) return item;
      }
      if (rows.length < PAGE) return undefined;
    }
  }

  /** A row as an item; a row whose metadata no longer parses is dropped as corrupt. */
  private toItem(row: ItemRow): SpoolItem | undefined {
    let frame: FramePayload | undefined;
    try {
      const r = framePayloadSchema.safeParse(JSON.parse(row.metadata));
      if (r.success) frame = r.data;
    } catch {
      frame = undefined;
    }
    if (!frame) {
      this.drop(row.frame_id, 'corrupt', 'stored metadata is not a valid frame payload');
      return undefined;
    }
    return {
      seq: row.seq,
      frameId: row.frame_id,
      camera: row.camera,
      capturedAtMs: row.captured_at_ms,
      bytes: row.bytes,
      sha256: row.sha256,
      path: path.join(this.blobsDir, row.file_name),
      frame,
      attempts: row.attempts,
      nextAttemptAtMs: row.next_attempt_at_ms,
      blobUploaded: row.blob_uploaded_at_ms !== null,
      published: row.published_at_ms !== null,
      lastError: row.last_error,
    };
  }

  private drop(frameId: string, reason: DropReason, why: string): void {
    this.deleteRows([frameId], reason);
    this.unlinkQuiet(`${frameId}.jpg`);
    this.log.error({ frameId, reason }, `dropped spooled frame: ${why}`);
  }

  /** The frame's JPEG, checked against its size and sha256. A damaged one is dropped ("corrupt"). */
  async readJpeg(frameId: string): Promise<Buffer> {
    this.assertOpen();
    const row = this.q.get.get(frameId);
    if (!row) throw new SpoolError('unknown_frame', `frame ${frameId} is not in the spool`);
    let data: Buffer;
    try {
      data = await readFile(path.join(this.blobsDir, row.file_name));
    } catch (e) {
      this.drop(frameId, 'lost', `cannot read JPEG: ${(e as Error).message}`);
      throw new SpoolError(
        'corrupt',
        `frame ${frameId}: spooled JPEG is unreadable (${(e as Error).message}); dropped`,
        { cause: e },
      );
    }
    if (data.byteLength !== row.bytes || sha256Hex(data) !== row.sha256) {
      this.drop(frameId, 'corrupt', 'JPEG does not match its sha256');
      throw new SpoolError(
        'corrupt',
        `frame ${frameId}: spooled JPEG does not match its sha256; dropped`,
      );
    }
    return data;
  }

  /** The JPEG is in the blob store. */
  markBlobUploaded(frameId: string, now: number = this.clock()): AckResult {
    return this.ack(frameId, 'blob_uploaded_at_ms', now);
  }

  /** The metadata was published (QoS 1 acknowledged). */
  markPublished(frameId: string, now: number = this.clock()): AckResult {
    return this.ack(frameId, 'published_at_ms', now);
  }

  private ack(
    frameId: string,
    column: 'blob_uploaded_at_ms' | 'published_at_ms',
    now: number,
  ): AckResult {
    this.assertOpen();
    const result = this.sql.db
      .transaction((): AckResult => {
        const row = this.q.get.get(frameId);
        if (!row) return 'unknown';
        const other =
          column === 'blob_uploaded_at_ms' ? row.published_at_ms : row.blob_uploaded_at_ms;
        if (other !== null) {
          // Both steps acknowledged: the frame is delivered.
          this.q.del.run(frameId);
          return 'deleted';
        }
        this.sql
          .stmt(`UPDATE items SET ${column} = COALESCE(${column}, ?) WHERE frame_id = ?`)
          .run(now, frameId);
        return 'pending';
      })
      .immediate();
    if (result === 'deleted') this.unlinkQuiet(`${frameId}.jpg`);
    return result;
  }

  /** Count a failed try and schedule the next with exponential backoff and jitter. */
  retryLater(frameId: string, error: unknown, now: number = this.clock()): RetryResult | undefined {
    this.assertOpen();
    const row = this.q.get.get(frameId);
    if (!row) return undefined;
    const attempts = row.attempts + 1;
    const delayMs = retryDelayMs(attempts, this.random, this.backoff);
    const text = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_TEXT);
    this.sql
      .stmt(
        'UPDATE items SET attempts = ?, next_attempt_at_ms = ?, last_error = ? WHERE frame_id = ?',
      )
      .run(attempts, now + delayMs, text, frameId);
    return { attempts, delayMs, nextAttemptAtMs: now + delayMs };
  }

  stats(now: number = this.clock()): SpoolStats {
    this.assertOpen();
    const t = this.q.totals.get() ?? { items: 0, bytes: 0, oldest: null };
    const dropped = readCounters(this.sql);
    for (const reason of Object.keys(dropped) as DropReason[])
      dropped[reason] += this.unsaved[reason];
    const blobUploaded = (
      this.sql.stmt("SELECT COUNT(*) AS n FROM items WHERE state = 'blob_uploaded'").get() as {
        n: number;
      }
    ).n;
    return {
      items: t.items,
      bytes: t.bytes ?? 0,
      blobUploaded,
      oldestCapturedAtMs: t.oldest,
      oldestAgeMs: t.oldest === null ? null : Math.max(0, now - t.oldest),
      dropped,
    };
  }

  /** Wait for accepts in flight, then close the database. Further calls fail with "closed". */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      await Promise.allSettled([...this.inFlight]);
      this.closed = true;
      this.sql.db.close();
    })();
    return this.closePromise;
  }

  private assertOpen(): void {
    if (this.closed) throw new SpoolError('closed', `spool ${this.dir} is closed`);
  }
}
