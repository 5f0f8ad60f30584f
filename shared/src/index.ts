export * from './log/logger.ts';
export * from './cli/errors.ts';
