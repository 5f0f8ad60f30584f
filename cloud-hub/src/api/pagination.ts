// Keyset pagination: a list returns at most `limit` items and an opaque `nextCursor` holding the
// sort key of the last one, so walking the pages visits every row once even while rows are
// added (no OFFSET drift). Cursors are base64url JSON; their shape is checked on the way back in.
import { ApiError } from './errors.ts';

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE },
  cursor: { type: 'string', minLength: 1, maxLength: 600, pattern: '^[A-Za-z0-9_-]+$' },
} as const;

export type CursorPart = 'string' | 'number';

export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The cursor's values, undefined when none was given; ApiError 400 when it is not ours. */
export function decodeCursor(
  cursor: string | undefined,
  shape: readonly CursorPart[],
): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const ok =
    Array.isArray(values) &&
    values.length === shape.length &&
    values.every((v, i) =>
      shape[i] === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.length <= 300,
    );
  if (!ok) throw new ApiError(400, 'cursor is not one this API handed out');
  return values as (string | number)[];
}

/** Splits a `limit + 1` query result into the page and the cursor for the next one. */
export function page<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => (string | number)[],
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** Response schema of a page of `item`. */
export function pageSchema(item: object) {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: item },
      nextCursor: { type: ['string', 'null'] },
    },
  } as const;
}
