// Whether any running camera may redact, so the agent knows to load the face model up front
// (and fail at start, not at the first upload, when it is missing). Pure.
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import { resolveCamera } from '@pretag/shared/config/resolve';

/** True when an enabled camera redacts, by default or in one of its schedule windows. */
export function anyCameraRedacts(config: EdgeConfig): boolean {
  return Object.keys(config.cameras).some((id) => {
    const c = resolveCamera(config, id);
    return c.enabled && (c.redact_faces || c.schedule.some((w) => w.redact_faces === true));
  });
}
