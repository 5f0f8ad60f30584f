// Checks layered settings (built-in <- defaults <- camera <- schedule window) as they will be
// used: every camera, and every camera inside every window, must resolve to valid settings.
import type { z } from 'zod';
import { fromZodIssues, type PendingError } from './errors.ts';
import type { KeyPath } from './locate.ts';
import { deepMerge } from './merge.ts';
import { isEmptyWindow, overlappingPairs, type TimeWindow } from './schedule.ts';

type Settings = Record<string, unknown> & { schedule: TimeWindow[] };

/** The overrides a window carries, without its times. */
export function windowOverrides<W extends TimeWindow>(w: W): Omit<W, 'from' | 'to'> {
  const { from: _from, to: _to, ...rest } = w;
  return rest;
}

export function windowLabel(w: TimeWindow): string {
  return `${w.from}-${w.to}`;
}

/** Errors for windows of no length and for windows that overlap within one list. */
export function scheduleErrors(windows: readonly TimeWindow[], base: KeyPath): PendingError[] {
  const out: PendingError[] = [];
  windows.forEach((w, i) => {
    if (isEmptyWindow(w))
      out.push({
        paths: [[...base, i, 'to']],
        message: `must differ from "from" (${w.from}); a window needs a start and a different end`,
      });
  });
  for (const [i, j] of overlappingPairs(windows)) {
    const a = windows[i];
    const b = windows[j];
    if (!a || !b) continue;
    out.push({
      paths: [[...base, j, 'from']],
      message: `window ${windowLabel(b)} (schedule[${j}]) overlaps window ${windowLabel(a)} (schedule[${i}]); windows in one schedule must not overlap`,
    });
  }
  return out;
}

export interface LayerCheck {
  builtin: Settings;
  defaultsPath: KeyPath;
  rawDefaults: Record<string, unknown>;
  camerasPath: KeyPath;
  cameras: Record<string, Record<string, unknown>>;
  /** Full settings (every key), for the defaults layer. */
  settingsSchema: z.ZodType;
  /** Full settings plus the camera's own keys, for a resolved camera. */
  cameraSchema: z.ZodType;
}

/** Validates every layer combination; returns the resolved defaults when they are valid. */
export function checkLayers(c: LayerCheck): { errors: PendingError[]; defaults?: Settings } {
  const errors: PendingError[] = [];
  const merged = deepMerge(c.builtin, c.rawDefaults);
  const d = c.settingsSchema.safeParse(merged);
  if (!d.success)
    return { errors: fromZodIssues(d.error.issues, (p) => [[...c.defaultsPath, ...p]]) };
  const defaults = d.data as Settings;
  const defaultsSchedule: KeyPath = [...c.defaultsPath, 'schedule'];
  errors.push(...scheduleErrors(defaults.schedule, defaultsSchedule));
  defaults.schedule.forEach((w, i) => {
    const r = c.settingsSchema.safeParse(deepMerge(defaults, windowOverrides(w)));
    if (!r.success)
      errors.push(
        ...fromZodIssues(r.error.issues, (p) => [
          [...defaultsSchedule, i, ...p],
          [...c.defaultsPath, ...p],
        ]),
      );
  });

  for (const [id, cam] of Object.entries(c.cameras)) {
    const own: KeyPath = [...c.camerasPath, id];
    const context = { camera: id, ownPrefix: own };
    const r = c.cameraSchema.safeParse(deepMerge(defaults, cam));
    if (!r.success) {
      errors.push(
        ...fromZodIssues(
          r.error.issues,
          (p) => [
            [...own, ...p],
            [...c.defaultsPath, ...p],
          ],
          context,
        ),
      );
      continue;
    }
    const resolved = r.data as Settings;
    const scheduleBase: KeyPath =
      cam.schedule !== undefined ? [...own, 'schedule'] : defaultsSchedule;
    if (cam.schedule !== undefined) errors.push(...scheduleErrors(resolved.schedule, scheduleBase));
    resolved.schedule.forEach((w, i) => {
      const rw = c.cameraSchema.safeParse(deepMerge(resolved, windowOverrides(w)));
      if (!rw.success)
        errors.push(
          ...fromZodIssues(
            rw.error.issues,
            (p) => [
              [...scheduleBase, i, ...p],
              [...own, ...p],
              [...c.defaultsPath, ...p],
            ],
            { ...context, window: windowLabel(w) },
          ),
        );
    });
  }
  return { errors, defaults };
}

/** True when any layer sets a non-empty schedule (schedules need the site's time zone). */
export function usesSchedule(
  defaults: Settings,
  cameras: Record<string, Record<string, unknown>>,
): boolean {
  return (
    defaults.schedule.length > 0 ||
    Object.values(cameras).some((c) => Array.isArray(c.schedule) && c.schedule.length > 0)
  );
}
