// The hub's ledger: frames, detections, the detection job queue and edge counters in SQLite.
export { openLedger, LedgerOpenError } from './open.ts';
export type { Ledger, LedgerOptions } from './open.ts';
export { LedgerSchemaError, migrate } from './migrate.ts';
export type { Migration, MigrateResult } from './migrate.ts';
export { MIGRATIONS } from './migrations.ts';
export { DEFAULT_RETRY_POLICY, afterFailure, retryDelayMs } from './backoff.ts';
export type { RetryPolicy } from './backoff.ts';
export type { IngestItem, IngestResult, IngestCounters } from './ingest.ts';
export type {
  CloudResult,
  CompleteResult,
  FailResult,
  DeadJob,
  JobQueue,
  RefusalReason,
  Refused,
} from './jobs.ts';
export type { ExpiredFrame } from './retention.ts';
export type { EdgeStatsRow } from './edge-stats.ts';
export type * from './types.ts';
