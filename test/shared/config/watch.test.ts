// Live reload with real files: good edits apply, bad edits are reported and the last good
// config stays, and a file replaced by rename (as editors and `sed -i` do) is picked up.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeConfig } from '../../../shared/src/config/edge-schema.ts';
import type { ConfigError } from '../../../shared/src/config/errors.ts';
import { watchConfigFile, type ConfigWatcher } from '../../../shared/src/config/watch.ts';

const edgeText = (minScore: string) => `site: s1
device: d1
hub:
  mqtt: mqtt://hub:1883
  blob: { hub: { url: http://hub:8080 } }
cameras:
  cam-1:
    url: rtsp://10.0.0.1/s
    prefilter: { min_score: ${minScore} }
`;

type Event =
  | { kind: 'change'; config: EdgeConfig; previous: EdgeConfig | undefined }
  | { kind: 'error'; errors: ConfigError[] };

/** A watcher whose events can be awaited one by one. */
function watchWithQueue(file: string) {
  const events: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (e: Event) => {
    events.push(e);
    wake?.();
  };
  const watcher = watchConfigFile(file, 'edge', {
    debounceMs: 50,
    onChange: (config, previous) => push({ kind: 'change', config, previous }),
    onError: (errors) => push({ kind: 'error', errors }),
  });
  const next = async (): Promise<Event> => {
    while (events.length === 0) await new Promise<void>((r) => (wake = r));
    return events.shift() as Event;
  };
  return { watcher, next };
}

const minScore = (c: EdgeConfig | undefined) => c?.cameras['cam-1']?.prefilter?.min_score;

describe('watchConfigFile', () => {
  let dir = '';
  let watcher: ConfigWatcher<EdgeConfig> | undefined;
  afterEach(() => {
    watcher?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies good edits and keeps the last good config through a bad one', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-watch-'));
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(file, edgeText('0.3'));
    const w = watchWithQueue(file);
    watcher = w.watcher;
    expect(minScore(watcher.current)).toBe(0.3);
    expect(watcher.initialErrors).toEqual([]);

    writeFileSync(file, edgeText('0.4'));
    const changed = await w.next();
    expect(changed.kind).toBe('change');
    if (changed.kind === 'change') {
      expect(minScore(changed.config)).toBe(0.4);
      expect(minScore(changed.previous)).toBe(0.3);
    }
    expect(minScore(watcher.current)).toBe(0.4);

    // A site engineer types a word where a number belongs (line 9, value at column 29).
    writeFileSync(file, edgeText('high'));
    const bad = await w.next();
    expect(bad).toEqual({
      kind: 'error',
      errors: [
        {
          file,
          line: 9,
          col: 29,
          path: 'cameras.cam-1.prefilter.min_score',
          message: 'expected a number between 0 and 1, got "high"',
        },
      ],
    });
    expect(minScore(watcher.current)).toBe(0.4);

    // An editor that writes a new file and renames it over the old one.
    const tmp = path.join(dir, '.edge.yaml.swp');
    writeFileSync(tmp, edgeText('0.5'));
    renameSync(tmp, file);
    const replaced = await w.next();
    expect(replaced.kind).toBe('change');
    expect(minScore(watcher.current)).toBe(0.5);
  });

  it('starts without a config when the file is bad, then picks up the fix', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-watch-'));
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(file, edgeText('0.3').replace('site: s1', 'site: s/1'));
    const w = watchWithQueue(file);
    watcher = w.watcher;
    expect(watcher.current).toBeUndefined();
    expect(watcher.initialErrors.map((e) => `${e.line} ${e.path}`)).toEqual(['1 site']);

    writeFileSync(file, edgeText('0.3'));
    const fixed = await w.next();
    expect(fixed.kind).toBe('change');
    if (fixed.kind === 'change') expect(fixed.previous).toBeUndefined();
    expect(minScore(watcher.current)).toBe(0.3);
  });

  it('reports a deleted file and keeps the config', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-watch-'));
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(file, edgeText('0.3'));
    const w = watchWithQueue(file);
    watcher = w.watcher;
    rmSync(file);
    const gone = await w.next();
    expect(gone.kind).toBe('error');
    if (gone.kind === 'error')
      expect(gone.errors[0]?.message).toBe(
        'cannot read the file (it is missing); keeping the last good config',
      );
    expect(minScore(watcher.current)).toBe(0.3);
  });

  it('stays on the last good config when the new one cannot be applied', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-watch-'));
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(file, edgeText('0.3'));
    const reported = new Promise<ConfigError[]>((resolve) => {
      watcher = watchConfigFile(file, 'edge', {
        debounceMs: 50,
        onChange: () => {
          throw new Error('camera restart failed');
        },
        onError: resolve,
      });
    });
    writeFileSync(file, edgeText('0.4'));
    const errors = await reported;
    expect(errors[0]?.message).toBe(
      'the new config could not be applied (camera restart failed); keeping the last good config',
    );
    expect(minScore(watcher?.current)).toBe(0.3);
  });
});
