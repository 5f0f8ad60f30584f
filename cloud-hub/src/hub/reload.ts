// What a hub.yaml edit changes in a running hub. Cleanup, batching, QA, costs, retention and
// time zones are read at each use, so they apply at once; the sections below are wired at start
// (sockets, files, the model) and need a restart. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { HubConfig } from '@pretag/shared/config/hub-schema';

export const RESTART_SECTIONS = [
  'listen',
  'public_url',
  'mqtt',
  'storage',
  'blob',
  'detector',
  'auth',
  'batches',
  // Read once at start; shadow.share alone also applies live, a new shadow.model needs a restart.
  'shadow',
  'quality',
  'drift',
] as const satisfies readonly (keyof HubConfig)[];

const LIVE_SECTIONS = [
  'timezone',
  'sites',
  'cleanup',
  'qa',
  'costs',
  'retention',
] as const satisfies readonly (keyof HubConfig)[];

export interface ReloadDiff {
  /** Changed sections that took effect now. */
  applied: string[];
  /** Changed sections that keep their old value until the hub restarts. */
  needRestart: string[];
}

export function reloadDiff(prev: HubConfig, next: HubConfig): ReloadDiff {
  const changed = (k: keyof HubConfig) => !isDeepStrictEqual(prev[k], next[k]);
  return {
    applied: LIVE_SECTIONS.filter(changed),
    needRestart: RESTART_SECTIONS.filter(changed),
  };
}
