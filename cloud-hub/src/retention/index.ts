// Retention: old frames and their blobs go; batches stay.
export { DAY_MS, isExpired, retentionCutoff } from './cutoff.ts';
export { runRetention, startRetentionJob } from './job.ts';
export type {
  RetentionCounters,
  RetentionJob,
  RetentionJobOptions,
  RetentionRunOptions,
  RetentionRunResult,
} from './job.ts';
