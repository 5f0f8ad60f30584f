// What the API routes need from the rest of the hub, and the limits they enforce.
import type { BlobStore } from '@pretag/shared/blob/store';
import type { DeviceCredentialInfo } from '../broker/device-registry.ts';
import type { DeviceVerifier } from '../auth/device-auth.ts';
import type { Prices } from '../costs/report.ts';
import type { Ledger } from '../ledger/open.ts';
import type { RateLimitSettings } from './rate-limit.ts';

export interface ApiDeviceRegistry extends DeviceVerifier {
  list(): DeviceCredentialInfo[];
}

export interface ApiLimits {
  /** Largest JSON request body. */
  jsonBodyBytes: number;
  /** Largest blob a device may PUT. */
  blobBytes: number;
  /** Per token (or device). */
  rate: RateLimitSettings;
  /** Per client address, separately for public routes and for failed sign-ins. */
  anonymousRate: RateLimitSettings;
  /** How long a verified device credential is reused before scrypt runs again. */
  deviceAuthTtlMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  jsonBodyBytes: 64 * 1024,
  blobBytes: 8 * 1024 * 1024,
  rate: { perSecond: 50, burst: 200 },
  anonymousRate: { perSecond: 10, burst: 60 },
  deviceAuthTtlMs: 60_000,
};

export interface ApiDeps {
  ledger: Ledger;
  blobStore: BlobStore;
  registry: ApiDeviceRegistry;
  limits: ApiLimits;
  prices: Prices;
  now: () => number;
}
