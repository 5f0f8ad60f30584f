// Spool failures are data: a code the caller can branch on plus a message a person can act on.

export type SpoolErrorCode =
  /** Spool settings (max_bytes, max_age) are out of range. */
  | 'invalid_options'
  /** The frame or its bytes failed validation; nothing was stored. */
  | 'invalid_frame'
  /** The same frameId is already spooled with different bytes. */
  | 'conflict'
  /** The frame alone is larger than spool.max_bytes. */
  | 'too_large'
  /** The frame is already older than spool.max_age. */
  | 'expired'
  /** The disk is full and dropping older frames could not make room. */
  | 'disk_full'
  /** Another process holds the spool open. */
  | 'locked'
  /** The spool was written by a newer build. */
  | 'schema_too_new'
  /** The frame is not (or no longer) in the spool. */
  | 'unknown_frame'
  /** A stored JPEG is missing or does not match its checksum. */
  | 'corrupt'
  | 'closed'
  | 'io';

export class SpoolError extends Error {
  override name = 'SpoolError';
  readonly code: SpoolErrorCode;

  constructor(code: SpoolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The errno code of a Node fs error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the error means "no space left": ENOSPC / EDQUOT from fs, SQLITE_FULL from SQLite. */
export function isDiskFull(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}
