// The hub's HTTP API.
export { buildApi } from './build-api.ts';
export type { BuildApiOptions } from './build-api.ts';
export { DEFAULT_LIMITS } from './deps.ts';
export type { ApiLimits, ApiDeviceRegistry } from './deps.ts';
export {
  loadTokensFile,
  tokensFromDocument,
  hashToken,
  TokensFileError,
} from '../auth/tokens-file.ts';
export type { TokenEntry } from '../auth/tokens-file.ts';
