// Cleanup rules for a camera at capture time, from hub.yaml (defaults <- camera <- window).
import { cleanupAt } from '@pretag/shared/config/resolve';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { rulesFromSettings } from '../cleanup/from-config.ts';
import type { RulesFor } from './detect-job.ts';

export function rulesForConfig(config: HubConfig): RulesFor {
  return (camera, at) => rulesFromSettings(cleanupAt(config, camera, at).settings);
}
