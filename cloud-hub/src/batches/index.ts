// COCO annotation batches: grouping, registry, export.
export { createBatchRegistry, BatchError } from './registry.ts';
export type { BatchRecord, BatchRegistry, BatchRegistryOptions } from './registry.ts';
export { buildCocoExport, blobUrl, keptBoxes, EXTRA_CATEGORY_BASE } from './coco-export.ts';
export type { BatchBox, BatchImage, CocoExport } from './coco-export.ts';
export { BATCH_STATUSES, batchId, batchKeyOf, canMove, localDay } from './grouping.ts';
export type { BatchKey, BatchPolicy, BatchStatus, GroupBy } from './grouping.ts';
