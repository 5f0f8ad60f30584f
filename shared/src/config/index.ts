// Public surface of the config contracts: import from '@pretag/shared/config/index'.
export type { ConfigError } from './errors.ts';
export { formatConfigError } from './errors.ts';
export {
  detectKind,
  formatConfigErrors,
  loadConfigFile,
  loadConfigOrThrow,
  parseConfig,
  type AnyConfig,
  type ConfigKind,
  type ConfigResult,
} from './load.ts';
export {
  EDGE_BUILTIN_DEFAULTS,
  sourceKind,
  type EdgeCamera,
  type EdgeConfig,
  type EdgeSettings,
  type EdgeWindow,
  type ResolvedEdgeCamera,
} from './edge-schema.ts';
export {
  CLEANUP_BUILTIN_DEFAULTS,
  areaInPixels,
  type CleanupSettings,
  type CleanupWindow,
  type HubConfig,
} from './hub-schema.ts';
export type { ModelConfig, Provider } from './model-schema.ts';
export {
  cleanupAt,
  resolveCamera,
  resolveCleanup,
  settingsAt,
  siteTimezone,
  type AppliedWindow,
  type EffectiveSettings,
} from './resolve.ts';
export { activeWindow, localTime, windowsOverlap, type TimeWindow } from './schedule.ts';
export { deepMerge, type DeepPartial } from './merge.ts';
export { watchConfigFile, type ConfigWatcher, type WatchOptions } from './watch.ts';
