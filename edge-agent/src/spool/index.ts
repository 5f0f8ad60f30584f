export { Spool, spoolOptionsFromConfig } from './spool.ts';
export type {
  AcceptResult,
  AckResult,
  DropCounts,
  DropReason,
  DroppedFrame,
  OpenReport,
  RetryResult,
  SpoolItem,
  SpoolLog,
  SpoolOptions,
  SpoolStats,
} from './spool.ts';
export { SpoolError } from './errors.ts';
export type { SpoolErrorCode } from './errors.ts';
export { DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
export type { BackoffPolicy } from './backoff.ts';
