export { Uplink } from './uplink.ts';
export type { UplinkCounters, UplinkLog, UplinkMqttOptions, UplinkOptions } from './uplink.ts';
export { BandwidthCap, bucketProblem, fullBucket, refill, reserve } from './token-bucket.ts';
export type { BucketConfig, BucketState } from './token-bucket.ts';
export { statsPayload, statusPayload } from './status.ts';
export type { DeviceFacts } from './status.ts';
