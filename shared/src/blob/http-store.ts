// Client for the hub's own blob store (`/v1/blobs/<key>` on the hub's HTTP API). The edge
// authenticates with its device credentials (`Authorization: Bearer username:password`). Every
// put is create-only (`If-None-Match: *`) and carries the body's MD5, so the hub can refuse damaged
// bytes: 201 = written, 200 = the same bytes were already there, 409 = different bytes are there.
// Keys are checked (whitelist, then prefix) before any request, as AzureBlobStore does.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { BlobErrorKind, PutOutcome } from './remote.ts';
import {
  BlobStoreError,
  RETRY_DEFAULTS,
  checkScopedKey,
  optionsProblem,
  remoteOptionFields,
  scopePrefixes,
} from './remote.ts';
import type { BlobInfo, BlobStore, PutOptions } from './store.ts';
import { DEFAULT_CONTENT_TYPE, contentTypeProblem, impliedContentType } from './store.ts';

/** The hub's blob API never answers 'container-missing'. */
export type HttpBlobErrorKind = Exclude<BlobErrorKind, 'container-missing'>;

export class HttpBlobError extends BlobStoreError {
  override name = 'HttpBlobError';
}

const optionsSchema = z.strictObject({
  /** The hub's base URL, e.g. `https://hub.example.com` (the store adds `/v1/blobs/`). */
  hubUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** The device's MQTT username and password from its credentials bundle. */
  username: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^:\s]+$/, 'must not contain ":" or spaces'),
  password: z.string().min(1).max(1024).regex(/^\S+$/, 'must not contain spaces'),
  ...remoteOptionFields,
  /** Deadline for one HTTP try. */
  tryTimeoutMs: z.number().int().positive().optional(),
});

export type HttpBlobStoreOptions = z.input<typeof optionsSchema>;

export interface HttpPutOptions extends PutOptions {
  /** Lets the caller give up early (shutdown); the store's own deadline still applies. */
  abortSignal?: AbortSignal;
}

interface Attempt {
  method: 'PUT' | 'GET' | 'HEAD' | 'DELETE';
  key: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal;
}

/** Pure: the error an unsuccessful HTTP status stands for. */
export function classifyHttpStatus(status: number, op: string, where: string): HttpBlobError {
  const head = `hub blob ${op} failed:`;
  if (status === 401)
    return new HttpBlobError(
      `${head} the hub at ${where} refused the device credentials (401): check the username and password in the credentials file`,
      'auth',
      status,
    );
  if (status === 403)
    return new HttpBlobError(
      `${head} not permitted (403): the key is outside this device's blob prefix or the device is revoked`,
      'forbidden',
      status,
    );
  if (status === 409)
    return new HttpBlobError(
      `${head} a different blob already exists under this key (409)`,
      'conflict',
      status,
    );
  if (status === 400 || status === 422)
    return new HttpBlobError(
      `${head} the hub refused the request (${status}); if it names Content-MD5, bytes were damaged in transit`,
      status === 422 ? 'integrity' : 'request',
      status,
    );
  if (status === 429)
    return new HttpBlobError(`${head} the hub is throttling requests (429)`, 'throttled', status);
  if (status >= 500) return new HttpBlobError(`${head} hub error ${status}`, 'service', status);
  return new HttpBlobError(`${head} unexpected HTTP ${status}`, 'request', status);
}

export class HttpBlobStore implements BlobStore {
  /** Base of the blob API (no credentials in it): safe to log. */
  readonly endpoint: string;
  readonly #auth: string;
  readonly #prefixes: readonly string[] | undefined;
  readonly #maxTries: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #tryTimeoutMs: number;
  readonly #timeoutMs: number;

  constructor(options: HttpBlobStoreOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success)
      throw new TypeError(`hub blob store options: ${optionsProblem(parsed.error)}`);
    const o = parsed.data;
    const base = new URL(o.hubUrl);
    if (base.username || base.password)
      throw new TypeError('hub blob store options: hubUrl must not carry credentials');
    this.endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/v1/blobs`;
    this.#auth = `Bearer ${o.username}:${o.password}`;
    this.#maxTries = o.maxTries ?? RETRY_DEFAULTS.maxTries;
    this.#retryDelayMs = o.retryDelayMs ?? RETRY_DEFAULTS.retryDelayMs;
    this.#maxRetryDelayMs = Math.max(
      this.#retryDelayMs,
      o.maxRetryDelayMs ?? RETRY_DEFAULTS.maxRetryDelayMs,
    );
    this.#tryTimeoutMs = o.tryTimeoutMs ?? RETRY_DEFAULTS.tryTimeoutMs;
    this.#timeoutMs = o.operationTimeoutMs ?? RETRY_DEFAULTS.operationTimeoutMs;
    this.#prefixes = scopePrefixes(o.allowedPrefix, 'hub blob store');
  }

  #checkKey(key: string): string {
    return checkScopedKey(key, this.#prefixes);
  }

  /**
   * One call with retries: network errors, timeouts, 429 and 5xx are retried with doubling
   * delays, within the operation deadline. Any other answer is returned to the caller.
   */
  async #request(op: string, a: Attempt): Promise<Response> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const whole = a.signal ? AbortSignal.any([deadline, a.signal]) : deadline;
    // Keys pass the whitelist, whose characters need no percent-encoding.
    const url = `${this.endpoint}/${a.key}`;
    let last: HttpBlobError | undefined;
    for (let attempt = 1; attempt <= this.#maxTries; attempt++) {
      if (attempt > 1) {
        const delay = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** (attempt - 2));
        try {
          await sleep(delay, undefined, { signal: whole });
        } catch {
          break;
        }
      }
      const signal = AbortSignal.any([whole, AbortSignal.timeout(this.#tryTimeoutMs)]);
      let res: Response;
      try {
        res = await fetch(url, {
          method: a.method,
          headers: { authorization: this.#auth, ...a.headers },
          ...(a.body ? { body: a.body } : {}),
          signal,
          redirect: 'error',
        });
      } catch (e) {
        if (a.signal?.aborted)
          throw new HttpBlobError(`hub blob ${op} aborted by the caller`, 'aborted');
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        last = signal.aborted
          ? new HttpBlobError(
              `hub blob ${op} failed: no answer from ${this.endpoint} in time`,
              'timeout',
            )
          : new HttpBlobError(
              `hub blob ${op} failed: hub unreachable at ${this.endpoint} (${cause?.code ?? cause?.message ?? (e as Error).message})`,
              'unreachable',
            );
        if (deadline.aborted) break;
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel();
        last = classifyHttpStatus(res.status, op, this.endpoint);
        continue;
      }
      return res;
    }
    if (a.signal?.aborted)
      throw new HttpBlobError(`hub blob ${op} aborted by the caller`, 'aborted');
    const why = last ?? new HttpBlobError(`hub blob ${op} failed: out of time`, 'timeout');
    throw new HttpBlobError(
      `${why.message} (after up to ${this.#maxTries} tries)`,
      why.kind,
      why.status,
    );
  }

  async put(key: string, bytes: Uint8Array, options: HttpPutOptions = {}): Promise<void> {
    await this.upload(key, bytes, options);
  }

  /** put() that says whether it wrote the blob or found the same bytes already there. */
  async upload(key: string, bytes: Uint8Array, options: HttpPutOptions = {}): Promise<PutOutcome> {
    this.#checkKey(key);
    const type = options.contentType ?? impliedContentType(key);
    const typeBad = contentTypeProblem(type);
    if (typeBad)
      throw new TypeError(`content type ${JSON.stringify(String(type).slice(0, 80))} ${typeBad}`);
    const op = `put "${key}"`;
    const res = await this.#request(op, {
      method: 'PUT',
      key,
      body: bytes,
      signal: options.abortSignal,
      headers: {
        'content-type': type,
        'content-md5': createHash('md5').update(bytes).digest('base64'),
        'if-none-match': '*',
      },
    });
    await res.body?.cancel();
    if (res.status === 201) return 'written';
    if (res.status === 200) return 'exists-same';
    throw classifyHttpStatus(res.status, op, this.endpoint);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkKey(key);
    const op = `get "${key}"`;
    const res = await this.#request(op, { method: 'GET', key });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw classifyHttpStatus(res.status, op, this.endpoint);
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    this.#checkKey(key);
    const op = `head "${key}"`;
    const res = await this.#request(op, { method: 'HEAD', key });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw classifyHttpStatus(res.status, op, this.endpoint);
    const modified = Date.parse(res.headers.get('last-modified') ?? '');
    return {
      key,
      size: Number(res.headers.get('content-length') ?? 0),
      contentType: res.headers.get('content-type') ?? DEFAULT_CONTENT_TYPE,
      lastModified: new Date(Number.isFinite(modified) ? modified : 0),
    };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    this.#checkKey(key);
    const op = `delete "${key}"`;
    const res = await this.#request(op, { method: 'DELETE', key });
    await res.body?.cancel();
    if (res.status === 404) return false;
    if (res.status === 200 || res.status === 204) return true;
    throw classifyHttpStatus(res.status, op, this.endpoint);
  }

  /** The hub's blob API has no listing for devices; the hub lists its own disk store. */
  list(prefix: string): AsyncIterable<BlobInfo> {
    const err = new HttpBlobError(
      `hub blob list "${String(prefix).slice(0, 80)}" is not supported: the hub's blob API offers PUT, GET, HEAD and DELETE only`,
      'request',
    );
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
  }
}
