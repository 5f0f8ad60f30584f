// Reads edge.yaml / hub.yaml: YAML with positions -> schema -> layered checks. Never throws on bad
// input; every problem comes back as a ConfigError naming file, line, column and key path.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { COCO80_NAMES } from '../coco/categories.ts';
import { CliError } from '../cli/errors.ts';
import { didYouMean } from './did-you-mean.ts';
import {
  EDGE_BUILTIN_DEFAULTS,
  edgeFileSchema,
  edgeSettingsSchema,
  resolvedEdgeCameraSchema,
  type EdgeConfig,
  type EdgeSettings,
} from './edge-schema.ts';
import {
  formatConfigError,
  fromZodIssues,
  placeErrors,
  sortErrors,
  type ConfigError,
  type PendingError,
} from './errors.ts';
import {
  CLEANUP_BUILTIN_DEFAULTS,
  cleanupSettingsSchema,
  hubFileSchema,
  type CleanupSettings,
  type HubConfig,
} from './hub-schema.ts';
import { checkLayers, usesSchedule } from './layers.ts';
import type { KeyPath } from './locate.ts';
import { isPlainObject } from './merge.ts';

export type ConfigKind = 'edge' | 'hub';
export type AnyConfig = EdgeConfig | HubConfig;
export type ConfigResult<C> = { ok: true; config: C } | { ok: false; errors: ConfigError[] };
type ConfigFor<K extends ConfigKind | undefined> = K extends 'edge'
  ? EdgeConfig
  : K extends 'hub'
    ? HubConfig
    : AnyConfig;

/**
 * `key:` with nothing after it (often a section whose lines are all commented out) reads as
 * null; treat it as absent so the section takes its defaults, and a required key says so.
 */
function dropNullEntries(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNullEntries);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, dropNullEntries(x)]),
  );
}

/** edge.yaml has `cameras` or `device`; hub.yaml has `listen` or `detector`. */
export function detectKind(data: unknown): ConfigKind | undefined {
  if (!isPlainObject(data)) return undefined;
  if ('cameras' in data || 'device' in data) return 'edge';
  if ('listen' in data || 'detector' in data) return 'hub';
  return undefined;
}

function yamlErrors(doc: Document, text: string, file: string, lc: LineCounter): ConfigError[] {
  return doc.errors.map((e) => {
    const { line, col } = lc.linePos(e.pos[0]);
    let message = e.message.split('\n')[0] ?? e.message;
    if (e.code === 'DUPLICATE_KEY') {
      const key = /^\s*["']?([^"':#]+?)["']?\s*:/.exec(text.slice(e.pos[0]))?.[1];
      message = `duplicate key${key ? ` "${key}"` : ''}: a key may appear only once in a mapping`;
    } else if (e.code === 'TAB_AS_INDENT') {
      message = 'tabs are not allowed for indentation in YAML; indent with spaces';
    }
    return { file, line, col, path: '', message: `YAML syntax: ${message}` };
  });
}

function edgeStage(data: unknown): { errors: PendingError[]; config?: EdgeConfig } {
  const raw = edgeFileSchema.safeParse(data);
  if (!raw.success) return { errors: fromZodIssues(raw.error.issues, (p) => [p]) };
  const cameras = raw.data.cameras as Record<string, Record<string, unknown>>;
  const { errors, defaults } = checkLayers({
    builtin: EDGE_BUILTIN_DEFAULTS,
    defaultsPath: ['defaults'],
    rawDefaults: raw.data.defaults,
    camerasPath: ['cameras'],
    cameras,
    settingsSchema: edgeSettingsSchema,
    cameraSchema: resolvedEdgeCameraSchema,
  });
  if (defaults && raw.data.timezone === undefined && usesSchedule(defaults, cameras))
    errors.push({
      paths: [['timezone']],
      message:
        'is required when a schedule is set (expected an IANA time zone such as "Europe/Dublin")',
    });
  if (errors.length || !defaults) return { errors };
  return {
    errors,
    config: {
      ...raw.data,
      kind: 'edge',
      timezone: raw.data.timezone ?? 'UTC',
      defaults: defaults as EdgeSettings,
    },
  };
}

/** Class names used by cleanup layers must be ones the detector produces. */
function classNameErrors(config: HubConfig, rawCleanup: Record<string, unknown>): PendingError[] {
  const known = config.detector.classes ?? COCO80_NAMES;
  const knownSet = new Set(known);
  const errors: PendingError[] = [];
  const check = (name: string, path: KeyPath, key: boolean) => {
    if (!knownSet.has(name))
      errors.push({
        paths: [path],
        key,
        message: `unknown class "${name}"${didYouMean(name, known)}; the detector's classes are ${config.detector.classes ? 'listed in detector.classes' : "COCO's 80"}`,
      });
  };
  const checkLayer = (layer: unknown, base: KeyPath) => {
    if (!isPlainObject(layer)) return;
    if (Array.isArray(layer.classes))
      layer.classes.forEach((c, i) => check(String(c), [...base, 'classes', i], false));
    for (const field of ['rename', 'class_min_score'])
      if (isPlainObject(layer[field]))
        for (const k of Object.keys(layer[field])) check(k, [...base, field, k], true);
    if (Array.isArray(layer.schedule))
      layer.schedule.forEach((w, i) => checkLayer(w, [...base, 'schedule', i]));
  };
  checkLayer(rawCleanup.defaults, ['cleanup', 'defaults']);
  if (isPlainObject(rawCleanup.cameras))
    for (const [id, cam] of Object.entries(rawCleanup.cameras))
      checkLayer(cam, ['cleanup', 'cameras', id]);
  return errors;
}

function hubStage(data: unknown): { errors: PendingError[]; config?: HubConfig } {
  const raw = hubFileSchema.safeParse(data);
  if (!raw.success) return { errors: fromZodIssues(raw.error.issues, (p) => [p]) };
  const { errors, defaults } = checkLayers({
    builtin: CLEANUP_BUILTIN_DEFAULTS,
    defaultsPath: ['cleanup', 'defaults'],
    rawDefaults: raw.data.cleanup.defaults,
    camerasPath: ['cleanup', 'cameras'],
    cameras: raw.data.cleanup.cameras,
    settingsSchema: cleanupSettingsSchema,
    cameraSchema: cleanupSettingsSchema,
  });
  if (errors.length || !defaults) return { errors };
  const config: HubConfig = {
    ...raw.data,
    kind: 'hub',
    cleanup: { defaults: defaults as CleanupSettings, cameras: raw.data.cleanup.cameras },
  };
  const classErrors = classNameErrors(config, raw.data.cleanup);
  return classErrors.length ? { errors: classErrors } : { errors: [], config };
}

/** Parses and checks config text. `fileName` is only used in error messages. */
export function parseConfig<K extends ConfigKind | undefined = undefined>(
  text: string,
  fileName: string,
  kind?: K,
): ConfigResult<ConfigFor<K>> {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
  });
  const fail = (errors: ConfigError[]): ConfigResult<ConfigFor<K>> => ({
    ok: false,
    errors: sortErrors(errors),
  });
  if (doc.errors.length) return fail(yamlErrors(doc, text, fileName, lc));
  let data: unknown;
  try {
    data = dropNullEntries(doc.toJS({ maxAliasCount: 100 }));
  } catch (err) {
    return fail([
      { file: fileName, line: 1, col: 1, path: '', message: `YAML: ${(err as Error).message}` },
    ]);
  }
  if (data === null || data === undefined)
    return fail([
      {
        file: fileName,
        line: 1,
        col: 1,
        path: '',
        message: 'the file is empty; expected settings (key: value lines)',
      },
    ]);
  const k: ConfigKind | undefined = kind ?? detectKind(data);
  if (!k)
    return fail([
      {
        file: fileName,
        line: 1,
        col: 1,
        path: '',
        message:
          'cannot tell whether this is an edge.yaml (has "cameras" or "device") or a hub.yaml (has "listen" or "detector"); say which with --kind',
      },
    ]);
  const stage = k === 'edge' ? edgeStage(data) : hubStage(data);
  if (stage.errors.length || !stage.config)
    return fail(placeErrors(stage.errors, fileName, doc, lc));
  return { ok: true, config: stage.config as ConfigFor<K> };
}

/** Reads and checks a config file; a missing or unreadable file is an error at line 1. */
export function loadConfigFile<K extends ConfigKind | undefined = undefined>(
  path: string,
  kind?: K,
): ConfigResult<ConfigFor<K>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'file not found'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.message;
    return {
      ok: false,
      errors: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the file: ${why}` }],
    };
  }
  return parseConfig(text, path, kind);
}

/** Every error on its own line, as `file:line:col key.path: message`. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map(formatConfigError).join('\n');
}

/** The config, or a CliError listing every problem (for commands that cannot go on without it). */
export function loadConfigOrThrow<K extends ConfigKind | undefined = undefined>(
  path: string,
  kind?: K,
): ConfigFor<K> {
  const r = loadConfigFile(path, kind);
  if (!r.ok) {
    const n = r.errors.length;
    throw new CliError(
      `${n} problem${n === 1 ? '' : 's'} in ${path}:\n${formatConfigErrors(r.errors)}`,
    );
  }
  return r.config;
}
