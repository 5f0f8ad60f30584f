// MQTT ingest for the hub: frames into the ledger, device status, edge counters.
export { startIngest } from './subscriber.ts';
export type { IngestOptions, RunningIngest } from './subscriber.ts';
export { BAD_REASONS, classifyMessage } from './classify.ts';
export type { BadReason, Classified, ClassifyOptions } from './classify.ts';
export { createDeviceDirectory } from './device-status.ts';
export type { DeviceDirectory, DeviceState } from './device-status.ts';
export { createFrameBatcher } from './frame-batcher.ts';
export type { FrameBatcher, FrameBatcherOptions } from './frame-batcher.ts';
export type { IngestMetrics } from './metrics.ts';
