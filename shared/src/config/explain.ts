// Human-readable view of resolved settings, per camera, with where each value comes from.
import type { EdgeConfig } from './edge-schema.ts';
import type { HubConfig } from './hub-schema.ts';
import { windowLabel, windowOverrides } from './layers.ts';
import { isPlainObject } from './merge.ts';
import { cleanupAt, settingsAt, siteTimezone, type AppliedWindow } from './resolve.ts';
import { localTime, type TimeWindow } from './schedule.ts';

type Tree = Record<string, unknown>;

/** Leaf key paths of a settings object; lists are leaves. */
function leaves(obj: Tree, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string[], unknown]> =>
    isPlainObject(v) && Object.keys(v).length > 0
      ? leaves(v, [...prefix, k])
      : [[[...prefix, k], v]],
  );
}

function get(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) cur = isPlainObject(cur) ? cur[k] : undefined;
  return cur;
}

function has(obj: unknown, path: readonly string[]): boolean {
  return get(obj, path) !== undefined;
}

export function formatValue(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '(none)';
    if (v.every((x) => typeof x === 'string')) return v.join(', ');
    if (v.every((x) => Array.isArray(x))) {
      const polys = v.map((p) => `[${(p as unknown[]).join(', ')}]`).join(' ');
      return `${v.length} polygon${v.length === 1 ? '' : 's'}: ${polys.length > 70 ? `${polys.slice(0, 67)}...` : polys}`;
    }
    return JSON.stringify(v);
  }
  if (isPlainObject(v)) return Object.keys(v).length ? JSON.stringify(v) : '(none)';
  return String(v);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${Number.isInteger(x) ? x : x.toFixed(2)} ${units[i]}`;
}

export function formatDuration(s: number): string {
  for (const [unit, len] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (s >= len && s % len === 0) return `${s / len}${unit}`;
  return `${s}s`;
}

function windowSummary(w: TimeWindow): string {
  const o = leaves(windowOverrides(w) as Tree).map(([p, v]) => `${p.join('.')}=${formatValue(v)}`);
  return `${windowLabel(w)}${o.length ? `: ${o.join(', ')}` : ''}`;
}

function table(rows: Array<[string, string, string]>, indent: string): string[] {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(60, Math.max(...rows.map((r) => r[1].length)));
  return rows.map(([a, b, c]) => `${indent}${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
}

function appliedLabel(w: AppliedWindow | undefined, schedulePath: string): string {
  return w ? `${w.from}-${w.to} (${schedulePath}[${w.index}])` : 'none (no window matches)';
}

function localStamp(at: Date, tz: string): string {
  const t = localTime(at, tz);
  return `${t.date} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')} ${tz}`;
}

/** Per-camera settings of an edge config at `at`, as text for the terminal. */
export function explainEdge(config: EdgeConfig, file: string, at: Date): string {
  const out: string[] = [];
  const hubBlob = config.hub.blob.hub
    ? `hub store ${config.hub.blob.hub.url}`
    : `Azure container ${config.hub.blob.azure?.container}`;
  out.push(`${file}: OK (edge config for site ${config.site}, device ${config.device})`);
  out.push(`time: ${localStamp(at, config.timezone)} (${at.toISOString()})`);
  out.push(`hub: ${config.hub.mqtt} (prefix ${config.hub.prefix}), blobs to ${hubBlob}`);
  out.push(
    `spool: ${config.spool.dir}, at most ${formatBytes(config.spool.max_bytes)} and ${formatDuration(config.spool.max_age)}; ` +
      `model: ${config.model.adapter} ${config.model.file ?? '(packaged)'} on ${config.model.providers.join(' > ')}; ` +
      `health: ${config.health.host}:${config.health.port}`,
  );
  for (const [id, cam] of Object.entries(config.cameras)) {
    const { settings, window } = settingsAt(config, id, at);
    const schedulePath =
      cam.schedule !== undefined ? `cameras.${id}.schedule` : 'defaults.schedule';
    out.push('');
    out.push(
      `camera ${id}: ${settings.url} (${settings.enabled ? 'enabled' : 'DISABLED'}, hwaccel ${settings.hwaccel})`,
    );
    out.push(
      `  schedule window now: ${appliedLabel(window, schedulePath)}; values not marked come from defaults`,
    );
    const over = window ? windowOverrides(settings.schedule[window.index] as TimeWindow) : {};
    const { url: _u, enabled: _e, hwaccel: _h, schedule, ...rest } = settings;
    const rows = leaves(rest as Tree).map(([p, v]): [string, string, string] => {
      const origin = has(over, p)
        ? `window ${window ? `${window.from}-${window.to}` : ''}`
        : has(cam, p)
          ? 'camera'
          : '';
      return [p.join('.'), formatValue(v), origin];
    });
    out.push(...table(rows, '  '));
    out.push(`  schedule (${schedulePath}):${schedule.length ? '' : ' (none)'}`);
    for (const w of schedule) out.push(`    ${windowSummary(w)}`);
  }
  return out.join('\n');
}

/** Hub settings and per-camera cleanup at `at`, as text for the terminal. */
export function explainHub(config: HubConfig, file: string, at: Date): string {
  const out: string[] = [];
  const broker = config.mqtt.external
    ? `external ${config.mqtt.external.url} (shared group ${config.mqtt.external.share_group})`
    : `embedded on ${config.mqtt.embedded?.host}:${config.mqtt.embedded?.port}${config.mqtt.embedded?.tls ? ` + TLS :${config.mqtt.embedded.tls.port}` : ''}`;
  out.push(`${file}: OK (hub config)`);
  out.push(`time: ${localStamp(at, config.timezone)} (${at.toISOString()})`);
  out.push(
    `listen: ${config.listen.host}:${config.listen.port}${config.listen.tls ? ' (TLS)' : ''}; broker: ${broker}, prefix ${config.mqtt.prefix}`,
  );
  out.push(
    `storage: ${config.storage.dir} (db ${config.storage.db}); blobs: ${config.blob.hub ? `hub store ${config.blob.hub.dir}` : `Azure container ${config.blob.azure?.container}`}`,
  );
  out.push(
    `detector: ${config.detector.adapter} ${config.detector.file ?? '(packaged)'} on ${config.detector.providers.join(' > ')}, ` +
      `batches of ${config.detector.batch.max_frames} / ${config.detector.batch.max_wait_ms} ms, ${config.detector.concurrency} worker(s)`,
  );
  out.push(
    `batches: ${config.batches.group_by} (size ${config.batches.size}); QA: ${config.qa.rate} of frames, ${config.qa.min_per_batch}-${config.qa.max_per_batch} per batch, seed ${config.qa.seed}; ` +
      `annotation $${config.costs.annotation_per_frame_usd}/frame; frames kept ${config.retention.frames_days} days`,
  );
  const cameras: Array<[string, string | undefined]> = [
    ['(any other camera)', undefined],
    ...Object.keys(config.cleanup.cameras).map((c): [string, string] => [c, c]),
  ];
  for (const [label, id] of cameras) {
    const { settings, window } = cleanupAt(config, { camera: id ?? '' }, at);
    const cam = id !== undefined ? config.cleanup.cameras[id] : undefined;
    const schedulePath =
      cam?.schedule !== undefined ? `cleanup.cameras.${id}.schedule` : 'cleanup.defaults.schedule';
    out.push('');
    out.push(`cleanup for camera ${label} (time zone ${siteTimezone(config, undefined)})`);
    out.push(
      `  schedule window now: ${appliedLabel(window, schedulePath)}; values not marked come from defaults`,
    );
    const over = window ? windowOverrides(settings.schedule[window.index] as TimeWindow) : {};
    const { schedule, ...rest } = settings;
    const rows = leaves(rest as Tree).map(([p, v]): [string, string, string] => {
      const origin = has(over, p)
        ? `window ${window ? `${window.from}-${window.to}` : ''}`
        : has(cam, p)
          ? 'camera'
          : '';
      return [p.join('.'), formatValue(v), origin];
    });
    out.push(...table(rows, '  '));
    out.push(`  schedule (${schedulePath}):${schedule.length ? '' : ' (none)'}`);
    for (const w of schedule) out.push(`    ${windowSummary(w)}`);
  }
  return out.join('\n');
}

/** The resolved structure for --json: every camera's settings at `at` plus the whole config. */
export function resolvedJson(config: EdgeConfig | HubConfig, file: string, at: Date): unknown {
  if (config.kind === 'edge') {
    const cameras = Object.fromEntries(
      Object.keys(config.cameras).map((id) => [id, settingsAt(config, id, at)]),
    );
    return { file, kind: 'edge', at: at.toISOString(), timezone: config.timezone, cameras, config };
  }
  const cameras = Object.fromEntries(
    Object.keys(config.cleanup.cameras).map((id) => [id, cleanupAt(config, { camera: id }, at)]),
  );
  const fallback = cleanupAt(config, { camera: '' }, at);
  return {
    file,
    kind: 'hub',
    at: at.toISOString(),
    timezone: config.timezone,
    cleanup: { defaults: fallback, cameras },
    config,
  };
}
