// Effective settings for one camera: defaults <- camera <- the schedule window in force.
// Pure functions of a checked config (and an instant); the loader has already proved that every
// combination is valid, so these only merge.
import { CliError } from '../cli/errors.ts';
import { didYouMean } from './did-you-mean.ts';
import type { EdgeConfig, EdgeWindow, ResolvedEdgeCamera } from './edge-schema.ts';
import type { CleanupSettings, CleanupWindow, HubConfig } from './hub-schema.ts';
import { windowOverrides } from './layers.ts';
import { deepMerge } from './merge.ts';
import { activeWindow } from './schedule.ts';

/** Which schedule window applied, if any: its index in the schedule in force and its times. */
export interface AppliedWindow {
  index: number;
  from: string;
  to: string;
  /** Where the schedule came from: the camera's own, or the defaults'. */
  source: 'camera' | 'defaults';
}

export interface EffectiveSettings<S> {
  settings: S;
  window: AppliedWindow | undefined;
}

function unknownCamera(id: string, known: string[]): CliError {
  return new CliError(
    `no camera "${id}" in the config${didYouMean(id, known)}; cameras: ${known.join(', ') || '(none)'}`,
  );
}

/** A camera's settings with defaults filled in (schedule not applied). Throws CliError for an unknown id. */
export function resolveCamera(config: EdgeConfig, cameraId: string): ResolvedEdgeCamera {
  const cam = config.cameras[cameraId];
  if (!cam) throw unknownCamera(cameraId, Object.keys(config.cameras));
  return deepMerge(config.defaults, cam) as ResolvedEdgeCamera;
}

function applyWindow<S extends { schedule: W[] }, W extends { from: string; to: string }>(
  resolved: S,
  cameraHasSchedule: boolean,
  instant: Date,
  timeZone: string,
): EffectiveSettings<S> {
  const hit = activeWindow(resolved.schedule, instant, timeZone);
  if (!hit) return { settings: resolved, window: undefined };
  return {
    settings: deepMerge(resolved, windowOverrides(hit.window)),
    window: {
      index: hit.index,
      from: hit.window.from,
      to: hit.window.to,
      source: cameraHasSchedule ? 'camera' : 'defaults',
    },
  };
}

/** The settings a camera runs with at `instant` (site time zone from the config). */
export function settingsAt(
  config: EdgeConfig,
  cameraId: string,
  instant: Date,
): EffectiveSettings<ResolvedEdgeCamera> {
  const resolved = resolveCamera(config, cameraId);
  const own = config.cameras[cameraId]?.schedule !== undefined;
  return applyWindow<ResolvedEdgeCamera, EdgeWindow>(resolved, own, instant, config.timezone);
}

/** Cleanup settings for a camera; cameras without an entry get the defaults. */
export function resolveCleanup(config: HubConfig, cameraId: string): CleanupSettings {
  const cam = config.cleanup.cameras[cameraId];
  return cam ? deepMerge(config.cleanup.defaults, cam) : config.cleanup.defaults;
}

/** The time zone for a camera's site on the hub. */
export function siteTimezone(config: HubConfig, site: string | undefined): string {
  return (site !== undefined ? config.sites[site]?.timezone : undefined) ?? config.timezone;
}

/** Cleanup settings in force for a camera of a site at `instant`. */
export function cleanupAt(
  config: HubConfig,
  camera: { camera: string; site?: string },
  instant: Date,
): EffectiveSettings<CleanupSettings> {
  const own = config.cleanup.cameras[camera.camera]?.schedule !== undefined;
  return applyWindow<CleanupSettings, CleanupWindow>(
    resolveCleanup(config, camera.camera),
    own,
    instant,
    siteTimezone(config, camera.site),
  );
}
