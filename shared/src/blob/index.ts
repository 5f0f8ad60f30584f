// The blob stores and their key rules in one import.
export * from './store.ts';
export * from './keys.ts';
export * from './fs-store.ts';
export * from './azure-store.ts';
export * from './remote.ts';
