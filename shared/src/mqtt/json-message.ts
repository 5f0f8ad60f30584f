// One way to read a small JSON MQTT message against a zod schema: size cap first, then JSON, then
// the schema; the first problem becomes the reason. Never throws (a hostile payload is data).
import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseJsonMessage<T>(
  schema: z.ZodType<T>,
  bytes: Uint8Array,
  max: number,
): Parsed<T> {
  if (bytes.byteLength > max)
    return { ok: false, reason: `message is ${bytes.byteLength} bytes, over ${max}` };
  let data: unknown;
  try {
    data = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    );
  } catch {
    return { ok: false, reason: 'message is not JSON' };
  }
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return {
    ok: false,
    reason: issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid',
  };
}
