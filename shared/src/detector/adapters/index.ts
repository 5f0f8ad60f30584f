// Adapters by the name operators write in edge.yaml / hub.yaml (`adapter: nanodet`).
import type { DetectorAdapter } from './adapter.ts';
import { blazefaceAdapter } from './blazeface.ts';
import { centernetAdapter } from './centernet.ts';
import { nanodetAdapter } from './nanodet.ts';
import { torchvisionFasterrcnnAdapter } from './torchvision-fasterrcnn.ts';
import { yoloAdapter } from './yolo.ts';

const registry = new Map<string, DetectorAdapter>(
  [
    nanodetAdapter,
    centernetAdapter,
    torchvisionFasterrcnnAdapter,
    yoloAdapter,
    blazefaceAdapter,
  ].map((a) => [a.name, a]),
);

// Short names operators may write instead.
const aliases = new Map([['fasterrcnn', 'torchvision-fasterrcnn']]);

/** Add an adapter (for models this project does not ship an adapter for). */
export function registerAdapter(adapter: DetectorAdapter): void {
  if (registry.has(adapter.name))
    throw new Error(`detector adapter "${adapter.name}" is already registered`);
  registry.set(adapter.name, adapter);
}

export function getAdapter(name: string): DetectorAdapter {
  const a = registry.get(aliases.get(name) ?? name);
  if (!a)
    throw new Error(`unknown detector adapter "${name}"; known: ${adapterNames().join(', ')}`);
  return a;
}

export function adapterNames(): string[] {
  return [...registry.keys()].sort();
}
