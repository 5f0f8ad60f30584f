// The edge agent's public surface; the agent itself (`pretag edge`) is assembled from these.
export * from './sources/index.ts';
export * from './decide/index.ts';
