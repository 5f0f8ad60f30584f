// The blob store both sides use for JPEGs: the hub's disk store and Azure Blob implement it.
// Shaped after @azure/storage-blob (uploadData with a content type, download, getProperties,
// deleteIfExists, listBlobsFlat with a string prefix) so that backend is a thin adapter.
import path from 'node:path';

export interface BlobInfo {
  key: string;
  size: number;
  contentType: string;
  lastModified: Date;
}

export interface PutOptions {
  /** MIME type; stores default to application/octet-stream. */
  contentType?: string;
}

export interface BlobStore {
  /** Write the whole blob, replacing any existing one. Readers never see a partial blob. */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /** The blob's bytes, or undefined when there is none under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size, type and time of the blob, or undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>;
  exists(key: string): Promise<boolean>;
  /** Remove the blob; true when one was there. */
  delete(key: string): Promise<boolean>;
  /**
   * Every blob whose key starts with `prefix` (a plain string prefix, as Azure's listBlobsFlat
   * takes; '' lists everything), in lexicographic key order.
   */
  list(prefix: string): AsyncIterable<BlobInfo>;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// Types implied by the file extension; every store uses the same table, so they agree.
const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain',
};

/** The content type a key's extension implies (octet-stream when it implies none). */
export function impliedContentType(key: string): string {
  return TYPE_BY_EXTENSION[path.posix.extname(key).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
const CONTENT_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;

/** A bare `type/subtype`; parameters and anything odd are refused so headers stay clean. */
export function contentTypeProblem(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string') return 'is not a string';
  if (!CONTENT_TYPE.test(contentType)) return 'is not a plain "type/subtype" MIME type';
  return undefined;
}
