// Where the hub keeps its data, from hub.yaml: storage.dir is relative to hub.yaml's folder, the
// database and the hub blob folder are relative to storage.dir. Pure.
import path from 'node:path';
import type { HubConfig } from '@pretag/shared/config/hub-schema';

export interface HubPaths {
  /** Folder of hub.yaml: relative paths in it resolve here. */
  configDir: string;
  dataDir: string;
  dbFile: string;
  /** The hub's own blob store folder; undefined when blobs live in Azure. */
  blobDir: string | undefined;
}

export function hubPaths(config: HubConfig, configFile: string): HubPaths {
  const configDir = path.dirname(path.resolve(configFile));
  const dataDir = path.resolve(configDir, config.storage.dir);
  return {
    configDir,
    dataDir,
    dbFile: path.resolve(dataDir, config.storage.db),
    blobDir: config.blob.hub ? path.resolve(dataDir, config.blob.hub.dir) : undefined,
  };
}
