// Live reload: re-reads the config when its file changes and keeps the last good version when
// an edit is bad. The directory is watched, not the file, so editors and tools that replace the
// file by renaming a new one over it (vim, sed -i, ConfigMap symlink swaps) are seen too.
import { readFile } from 'node:fs/promises';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ConfigError } from './errors.ts';
import { loadConfigFile, parseConfig, type AnyConfig, type ConfigKind } from './load.ts';
import type { EdgeConfig } from './edge-schema.ts';
import type { HubConfig } from './hub-schema.ts';

type ConfigFor<K extends ConfigKind> = K extends 'edge'
  ? EdgeConfig
  : K extends 'hub'
    ? HubConfig
    : AnyConfig;

export interface WatchOptions<C> {
  /** A changed file parsed cleanly; `previous` is the config it replaces (undefined if none was good yet). */
  onChange: (config: C, previous: C | undefined) => void;
  /** A changed file is bad (or unreadable); the last good config stays current. */
  onError: (errors: ConfigError[]) => void;
  /** Quiet time after the last file event before re-reading, so a save in several writes is read once. */
  debounceMs?: number;
}

export interface ConfigWatcher<C> {
  /** The last good config, or undefined if the file has never been valid. */
  readonly current: C | undefined;
  /** Errors of the first read, when the file was bad at start. */
  readonly initialErrors: readonly ConfigError[];
  /** Re-read now (for SIGHUP); resolves when done. */
  reload(): Promise<void>;
  close(): void;
}

/**
 * Loads `file` now (synchronously, result in `current` / `initialErrors`) and then watches it.
 * Callbacks fire only for later changes, once per distinct file content.
 */
export function watchConfigFile<K extends ConfigKind>(
  file: string,
  kind: K,
  opts: WatchOptions<ConfigFor<K>>,
): ConfigWatcher<ConfigFor<K>> {
  const debounceMs = opts.debounceMs ?? 150;
  // The first read is synchronous so the caller starts with a config (or the reasons it has none).
  let lastSeen: string | undefined;
  try {
    lastSeen = readFileSync(file, 'utf8');
  } catch {
    // loadConfigFile below reports why
  }
  const first =
    lastSeen === undefined ? loadConfigFile(file, kind) : parseConfig(lastSeen, file, kind);
  let current: ConfigFor<K> | undefined = first.ok ? first.config : undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  const fail = (message: string) => opts.onError([{ file, line: 1, col: 1, path: '', message }]);

  async function readOnce(): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const state = `\0missing:${code}`;
      if (state !== lastSeen) {
        lastSeen = state;
        fail(
          `cannot read the file (${code === 'ENOENT' ? 'it is missing' : code}); keeping the last good config`,
        );
      }
      return;
    }
    if (text === lastSeen || closed) return;
    lastSeen = text;
    const r = parseConfig(text, file, kind);
    if (r.ok) {
      try {
        opts.onChange(r.config, current);
        current = r.config;
      } catch (err) {
        // The new settings could not be applied: report it and stay on the last good config.
        fail(
          `the new config could not be applied (${(err as Error).message}); keeping the last good config`,
        );
      }
    } else {
      opts.onError(r.errors);
    }
  }

  // Serialise reads so that two quick changes never apply out of order.
  const reload = (): Promise<void> => (running = running.then(readOnce, readOnce));

  const base = path.basename(file);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path.dirname(path.resolve(file)), { persistent: false }, (_event, name) => {
      // A null name means the platform did not say which file; Kubernetes swaps a "..data" link.
      if (name !== null && name !== base && !String(name).startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), debounceMs);
    });
    watcher.on('error', (err) => fail(`stopped watching for changes: ${err.message}`));
  } catch (err) {
    fail(`cannot watch the file for changes: ${(err as Error).message}`);
  }

  return {
    get current() {
      return current;
    },
    initialErrors: first.ok ? [] : first.errors,
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
