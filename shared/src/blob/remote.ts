// What the two network stores (Azure Blob and the hub's blob API) share: one error vocabulary,
// the prefix scope a device's store is confined to, and the retry options. Kept in one place so
// the uplink sees the same kinds, the same retry advice and the same option names from either.
import { z } from 'zod';
import { BlobKeyError, assertBlobKey, blobKeyProblem, keyWithinPrefix } from './keys.ts';

export type BlobErrorKind =
  | 'auth' // the service did not accept the credentials
  | 'forbidden' // credentials accepted, operation or key not permitted
  | 'container-missing' // Azure only: the container does not exist
  | 'unreachable' // no HTTP answer at all: refused, DNS, reset
  | 'timeout' // no complete answer within the operation deadline
  | 'aborted' // the caller's abort signal fired
  | 'conflict' // different bytes already stored under the key
  | 'integrity' // bytes damaged in transit (MD5 mismatch)
  | 'throttled'
  | 'service' // 5xx from the service
  | 'request'; // any other refusal (4xx)

// Trying again later may succeed; the rest need a person to change something.
const RETRYABLE: ReadonlySet<BlobErrorKind> = new Set([
  'unreachable',
  'timeout',
  'aborted',
  'integrity',
  'throttled',
  'service',
]);

export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
  readonly kind: BlobErrorKind;
  /** HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** True when trying again later may succeed; false when a person has to change something. */
  readonly retryable: boolean;

  constructor(message: string, kind: BlobErrorKind, status?: number) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryable = RETRYABLE.has(kind);
  }
}

/** A valid key that lies outside the prefixes this store may touch. */
export class BlobScopeError extends BlobKeyError {
  override name = 'BlobScopeError';
}

/**
 * What a put did. `exists-unverified`: create-only put, the blob was already there, and the
 * credentials cannot read it to compare (a write-only SAS). Frame ids are unique and a spooled
 * frame's bytes never change, so the uplink may treat it as delivered.
 */
export type PutOutcome = 'written' | 'exists-same' | 'exists-unverified';

export const RETRY_DEFAULTS = {
  maxTries: 4,
  retryDelayMs: 500,
  maxRetryDelayMs: 8_000,
  tryTimeoutMs: 30_000,
  operationTimeoutMs: 60_000,
} as const;

const positiveInt = z.number().int().positive();

/** Option fields both network stores accept, spread into each store's schema. */
export const remoteOptionFields = {
  /** Key prefixes this store may use (a device's own); anything else is refused locally. */
  allowedPrefix: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Attempts per request, first included (network errors, 429 and 5xx are retried). */
  maxTries: positiveInt.max(20).optional(),
  /** First retry delay; later ones double, up to maxRetryDelayMs. */
  retryDelayMs: positiveInt.optional(),
  maxRetryDelayMs: positiveInt.optional(),
  /** Client-side deadline for one store call, retries included: no call waits longer. */
  operationTimeoutMs: positiveInt.optional(),
};

/** One line naming every bad option, for the TypeError a constructor throws. */
export function optionsProblem(e: z.ZodError): string {
  return e.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Normalised `allowedPrefix` ("a/b" and "a/b/" both become "a/b/"); `label` names the store. */
export function scopePrefixes(
  p: string | string[] | undefined,
  label: string,
): readonly string[] | undefined {
  if (p === undefined) return undefined;
  const list = typeof p === 'string' ? [p] : p;
  return list.map((raw) => {
    const base = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    const bad = blobKeyProblem(base);
    if (bad) throw new TypeError(`${label} options: allowedPrefix "${raw.slice(0, 80)}" ${bad}`);
    return `${base}/`;
  });
}

/** Whitelist first, then scope; both before anything is sent. Returns the key. */
export function checkScopedKey(key: string, prefixes: readonly string[] | undefined): string {
  assertBlobKey(key);
  if (prefixes && !prefixes.some((p) => keyWithinPrefix(key, p)))
    throw new BlobScopeError(
      `blob key "${key.slice(0, 120)}" is outside this store's prefix ${prefixes.map((p) => `"${p}"`).join(', ')}`,
    );
  return key;
}
