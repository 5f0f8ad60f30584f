// Blob store on Azure Blob Storage (Azurite in tests). The hub connects with a connection string
// and may create its container; an edge gets a container SAS URL and a list of prefixes it may
// write. Keys are checked (whitelist, then prefix) before any request, so a refused key never
// reaches the network. Uploads are single Put Blob requests carrying the content MD5, which the
// service verifies, so a blob is either whole and intact or absent.
import { createHash } from 'node:crypto';
import type { BlockBlobClient, StoragePipelineOptions } from '@azure/storage-blob';
import {
  AnonymousCredential,
  BlobServiceClient,
  ContainerClient,
  StorageRetryPolicyType,
} from '@azure/storage-blob';
import { z } from 'zod';
import { assertBlobKey, blobKeyProblem } from './keys.ts';
import type { BlobErrorKind, PutOutcome } from './remote.ts';
import {
  BlobScopeError,
  BlobStoreError,
  RETRY_DEFAULTS,
  checkScopedKey,
  optionsProblem,
  remoteOptionFields,
  scopePrefixes,
} from './remote.ts';
import type { BlobInfo, BlobStore, PutOptions } from './store.ts';
import { DEFAULT_CONTENT_TYPE, contentTypeProblem, impliedContentType } from './store.ts';

export type AzureBlobErrorKind = BlobErrorKind;

export class AzureBlobError extends BlobStoreError {
  override name = 'AzureBlobError';
  /** Azure error code (e.g. ContainerNotFound) or network code (e.g. ECONNREFUSED). */
  readonly code: string | undefined;

  constructor(message: string, kind: AzureBlobErrorKind, status?: number, code?: string) {
    super(message, kind, status);
    this.code = code;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);
const AUTH_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
]);

interface ErrorFacts {
  /** The SDK's error name (RestError, AbortError, …). */
  name: string;
  message: string;
  status: number | undefined;
  code: string | undefined;
}

function factsOf(e: unknown): ErrorFacts {
  const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  return {
    name: typeof o.name === 'string' ? o.name : 'Error',
    message: typeof o.message === 'string' ? o.message : String(e),
    status: typeof o.statusCode === 'number' ? o.statusCode : undefined,
    code: typeof o.code === 'string' ? o.code : undefined,
  };
}

export interface ErrorContext {
  /** What was being done, e.g. `put "frames/…/x.jpg"`. */
  op: string;
  /** Where, without any query string (a SAS must never reach a log). */
  where: string;
  container: string;
  maxTries: number;
  timeoutMs: number;
  /** True when the operation deadline fired (as opposed to a caller's abort). */
  timedOut: boolean;
}

/** Pure: turn whatever the SDK threw into an AzureBlobError that says what to do about it. */
export function classifyAzureError(e: unknown, ctx: ErrorContext): AzureBlobError {
  if (e instanceof AzureBlobError) return e;
  const f = factsOf(e);
  const head = `Azure Blob ${ctx.op} failed:`;
  // The first line of the service's message; the rest is request ids and times.
  const detail = f.message.split('\n')[0]?.slice(0, 200) ?? '';
  const make = (kind: AzureBlobErrorKind, text: string) =>
    new AzureBlobError(`${head} ${text}`, kind, f.status, f.code);

  if (f.name === 'AbortError' || f.code === 'ABORT_ERR') {
    return ctx.timedOut
      ? make('timeout', `no answer from ${ctx.where} within ${ctx.timeoutMs} ms`)
      : make('aborted', 'aborted by the caller');
  }
  if (f.status === undefined) {
    if (f.code !== undefined && NETWORK_CODES.has(f.code))
      return make(
        'unreachable',
        `storage unreachable at ${ctx.where} (${detail}) after ${ctx.maxTries} tries`,
      );
    return make('unreachable', `no answer from ${ctx.where} (${detail})`);
  }
  const s = f.status;
  const code = f.code ?? '';
  if (code === 'ContainerNotFound')
    return make('container-missing', `container "${ctx.container}" does not exist at ${ctx.where}`);
  if (code === 'Md5Mismatch' || code === 'Crc64Mismatch')
    return make('integrity', `the service received different bytes than were sent (${code})`);
  if (s === 401 || (s === 403 && AUTH_CODES.has(code)))
    return make(
      'auth',
      `authentication failed at ${ctx.where} (${code || s}): check the account key, or the SAS signature, start and expiry times`,
    );
  if (s === 403)
    return make(
      'forbidden',
      `not permitted (${code || s}): the credentials lack the permission this operation needs`,
    );
  if (s === 409 || s === 412) return make('conflict', `${code || s}: ${detail}`);
  if (s === 429 || code === 'ServerBusy')
    return make('throttled', `the service is throttling requests (${code || s})`);
  if (s >= 500) return make('service', `service error ${s} ${code} after ${ctx.maxTries} tries`);
  return make('request', `refused with ${s} ${code}${detail ? `: ${detail}` : ''}`);
}

// Container names: 3-63 of [a-z0-9-], starting with a letter or digit, no double hyphen.
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:-?[a-z0-9])*$/;

const commonOptions = {
  ...remoteOptionFields,
  /** Every put is create-only (as if `ifNoneMatch: '*'` were passed). */
  writeOnce: z.boolean().optional(),
  /** Server-side limit for one try (whole seconds are sent). */
  tryTimeoutMs: z.number().int().min(1000).optional(),
};

const connectionStringOptions = z.strictObject({
  connectionString: z.string().min(1),
  container: z.string().regex(CONTAINER_NAME, {
    message: 'must be 3-63 lowercase letters, digits or single hyphens',
  }),
  /** Create the container on first use (default true). */
  createContainer: z.boolean().optional(),
  ...commonOptions,
});
const sasOptions = z.strictObject({
  /** `https://account.blob.core.windows.net/container?sv=…&sig=…` */
  containerSasUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  ...commonOptions,
});

export type AzureBlobStoreOptions =
  z.input<typeof connectionStringOptions> | z.input<typeof sasOptions>;

function parseOptions(
  options: unknown,
): z.output<typeof connectionStringOptions> | z.output<typeof sasOptions> {
  const sas = typeof options === 'object' && options !== null && 'containerSasUrl' in options;
  const parsed = (sas ? sasOptions : connectionStringOptions).safeParse(options);
  if (!parsed.success)
    throw new TypeError(`Azure blob store options: ${optionsProblem(parsed.error)}`);
  return parsed.data;
}

export interface AzurePutOptions extends PutOptions {
  /** `'*'`: create only; an existing blob with the same bytes counts as success. */
  ifNoneMatch?: '*';
  /** Lets the caller give up early (shutdown); the store's own deadline still applies. */
  abortSignal?: AbortSignal;
}

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(b);
}

export class AzureBlobStore implements BlobStore {
  readonly container: string;
  /** Container URL without any query string: safe to log. */
  readonly endpoint: string;
  readonly #client: ContainerClient;
  readonly #prefixes: readonly string[] | undefined;
  readonly #createContainer: boolean;
  readonly #writeOnce: boolean;
  readonly #maxTries: number;
  readonly #timeoutMs: number;
  #ready: Promise<void> | undefined;

  constructor(options: AzureBlobStoreOptions) {
    const o = parseOptions(options);
    this.#maxTries = o.maxTries ?? RETRY_DEFAULTS.maxTries;
    this.#timeoutMs = o.operationTimeoutMs ?? RETRY_DEFAULTS.operationTimeoutMs;
    this.#writeOnce = o.writeOnce ?? false;
    const retryDelayInMs = o.retryDelayMs ?? RETRY_DEFAULTS.retryDelayMs;
    const pipeline: StoragePipelineOptions = {
      retryOptions: {
        retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
        maxTries: this.#maxTries,
        retryDelayInMs,
        maxRetryDelayInMs: Math.max(
          retryDelayInMs,
          o.maxRetryDelayMs ?? RETRY_DEFAULTS.maxRetryDelayMs,
        ),
        tryTimeoutInMs: o.tryTimeoutMs ?? RETRY_DEFAULTS.tryTimeoutMs,
      },
    };
    if ('connectionString' in o) {
      try {
        this.#client = BlobServiceClient.fromConnectionString(
          o.connectionString,
          pipeline,
        ).getContainerClient(o.container);
      } catch (e) {
        // The SDK's parse errors name the bad field, never its value.
        throw new TypeError(
          `Azure blob store options: connectionString is not usable (${factsOf(e).message.split('\n')[0]})`,
          { cause: e },
        );
      }
      this.#createContainer = o.createContainer ?? true;
    } else {
      const url = new URL(o.containerSasUrl);
      if (!url.searchParams.has('sig'))
        throw new TypeError(
          'Azure blob store options: containerSasUrl has no SAS token (no "sig" parameter)',
        );
      this.#client = new ContainerClient(o.containerSasUrl, new AnonymousCredential(), pipeline);
      // A SAS cannot be trusted to create containers; the owner creates them.
      this.#createContainer = false;
    }
    this.container = this.#client.containerName;
    if (!CONTAINER_NAME.test(this.container))
      throw new TypeError(
        `Azure blob store options: "${this.container.slice(0, 80)}" is not a container name (the SAS URL must name a container, not a blob)`,
      );
    this.endpoint = this.#client.url.split('?')[0] ?? '';
    this.#prefixes = scopePrefixes(o.allowedPrefix, 'Azure blob store');
  }

  #checkKey(key: string): string {
    return checkScopedKey(key, this.#prefixes);
  }

  #blob(key: string): BlockBlobClient {
    return this.#client.getBlockBlobClient(this.#checkKey(key));
  }

  /**
   * Run one SDK call under the store's deadline (and the caller's signal), mapping failures.
   * In connection-string mode the container is created first, once.
   */
  async #call<T>(
    op: string,
    fn: (signal: AbortSignal) => Promise<T>,
    callerSignal?: AbortSignal,
  ): Promise<T> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const signal = callerSignal ? AbortSignal.any([deadline, callerSignal]) : deadline;
    try {
      await this.#ensureContainer(signal);
      return await fn(signal);
    } catch (e) {
      const err = classifyAzureError(e, {
        op,
        where: this.endpoint,
        container: this.container,
        maxTries: this.#maxTries,
        timeoutMs: this.#timeoutMs,
        timedOut: deadline.aborted,
      });
      // Deleted behind our back: create it again on the next call.
      if (err.kind === 'container-missing') this.#ready = undefined;
      throw err;
    }
  }

  #ensureContainer(signal: AbortSignal): Promise<void> {
    if (!this.#createContainer) return Promise.resolve();
    // A failure is not cached, so the next call tries again.
    this.#ready ??= this.#client.createIfNotExists({ abortSignal: signal }).then(
      () => undefined,
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    return this.#ready;
  }

  async put(key: string, bytes: Uint8Array, options: AzurePutOptions = {}): Promise<void> {
    await this.upload(key, bytes, options);
  }

  /** put() that says whether it wrote the blob or found the same one already there. */
  async upload(key: string, bytes: Uint8Array, options: AzurePutOptions = {}): Promise<PutOutcome> {
    const blob = this.#blob(key);
    const type = options.contentType ?? impliedContentType(key);
    const typeBad = contentTypeProblem(type);
    if (typeBad)
      throw new TypeError(`content type ${JSON.stringify(String(type).slice(0, 80))} ${typeBad}`);
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*')
      throw new TypeError(`ifNoneMatch may only be '*'`);
    const createOnly = options.ifNoneMatch === '*' || this.#writeOnce;
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hash = md5(bytes);
    const op = `put "${key}"`;
    try {
      await this.#call(
        op,
        (abortSignal) =>
          blob.upload(body, body.length, {
            abortSignal,
            // Sent as x-ms-blob-content-md5: the service checks it and stores it with the blob.
            blobHTTPHeaders: { blobContentType: type, blobContentMD5: hash },
            ...(createOnly ? { conditions: { ifNoneMatch: '*' } } : {}),
          }),
        options.abortSignal,
      );
      return 'written';
    } catch (e) {
      if (!(e instanceof AzureBlobError) || e.kind !== 'conflict' || !createOnly) throw e;
    }
    return this.#compareExisting(key, blob, bytes, hash, op);
  }

  /** After a create-only put found a blob: same bytes is success, different is a conflict. */
  async #compareExisting(
    key: string,
    blob: BlockBlobClient,
    bytes: Uint8Array,
    hash: Buffer,
    op: string,
  ): Promise<PutOutcome> {
    let stored: Uint8Array | undefined;
    try {
      const props = await this.#call(op, (abortSignal) => blob.getProperties({ abortSignal }));
      stored = props.contentMD5;
      if (stored === undefined) {
        // Uploaded by something that set no MD5: compare the bytes themselves.
        const existing = await this.get(key);
        if (existing !== undefined && Buffer.from(existing).equals(bytes)) return 'exists-same';
      } else if (sameBytes(stored, hash)) return 'exists-same';
    } catch (e) {
      if (e instanceof AzureBlobError && e.kind === 'forbidden') return 'exists-unverified';
      throw e;
    }
    throw new AzureBlobError(
      `Azure Blob ${op} failed: a different blob already exists under this key (stored MD5 ${stored ? Buffer.from(stored).toString('base64') : 'unknown'}, new ${hash.toString('base64')})`,
      'conflict',
      409,
      'BlobAlreadyExists',
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const blob = this.#blob(key);
    const op = `get "${key}"`;
    try {
      return await this.#call(op, async (abortSignal) => {
        const res = await blob.download(0, undefined, { abortSignal });
        const chunks: Buffer[] = [];
        for await (const chunk of res.readableStreamBody ?? [])
          chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        const bytes = Buffer.concat(chunks);
        const expected = res.blobContentMD5 ?? res.contentMD5;
        if (expected !== undefined && !sameBytes(expected, md5(bytes)))
          throw new AzureBlobError(
            `Azure Blob ${op} failed: the downloaded bytes do not match the stored MD5`,
            'integrity',
          );
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      });
    } catch (e) {
      if (e instanceof AzureBlobError && e.status === 404 && e.code !== 'ContainerNotFound')
        return undefined;
      throw e;
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const blob = this.#blob(key);
    try {
      const p = await this.#call(`head "${key}"`, (abortSignal) =>
        blob.getProperties({ abortSignal }),
      );
      return {
        key,
        size: p.contentLength ?? 0,
        contentType: p.contentType ?? DEFAULT_CONTENT_TYPE,
        lastModified: p.lastModified ?? new Date(0),
      };
    } catch (e) {
      // HEAD answers carry no error body, so a missing container looks like a missing blob.
      if (e instanceof AzureBlobError && e.status === 404) return undefined;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const blob = this.#blob(key);
    const res = await this.#call(`delete "${key}"`, (abortSignal) =>
      blob.deleteIfExists({ abortSignal, deleteSnapshots: 'include' }),
    );
    return res.succeeded;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    if (typeof prefix !== 'string') throw new TypeError('blob list prefix is not a string');
    if (prefix !== '') assertBlobKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    if (this.#prefixes) {
      // 'frames/s/c' names the folder 'frames/s/c/'; as a raw prefix it would also match 'frames/s/cx/'.
      const scope = this.#prefixes.find((p) => prefix.startsWith(p) || `${prefix}/` === p);
      if (scope === undefined)
        throw new BlobScopeError(
          `blob list prefix "${prefix.slice(0, 120)}" is outside this store's prefix ${this.#prefixes.map((p) => `"${p}"`).join(', ')}`,
        );
      if (`${prefix}/` === scope) prefix = scope;
    }
    let continuationToken: string | undefined;
    do {
      // One deadline per page, so a long listing is not cut short.
      const page = await this.#call(`list "${prefix}"`, async (abortSignal) => {
        const r = await this.#client
          .listBlobsFlat({ prefix, abortSignal })
          .byPage({ continuationToken, maxPageSize: 1000 })
          .next();
        return r.done ? undefined : r.value;
      });
      if (page === undefined) return;
      for (const item of page.segment.blobItems) {
        if (blobKeyProblem(item.name)) continue; // put there by another tool; not one of ours
        yield {
          key: item.name,
          size: item.properties.contentLength ?? 0,
          contentType: item.properties.contentType ?? DEFAULT_CONTENT_TYPE,
          lastModified: item.properties.lastModified,
        };
      }
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken);
  }
}
