import { z } from 'zod';

// Site, device and camera ids end up in MQTT topics, blob keys and file names, so they are
// restricted to characters that are safe in all three: no '/', '+', '#', NUL, spaces or '..'.
export const ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_-])?$/;
export const ID_MAX_LENGTH = 64;

export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > ID_MAX_LENGTH) return `is longer than ${ID_MAX_LENGTH} characters`;
  if (/[/+#\0]/.test(id)) return "contains '/', '+', '#' or NUL";
  if (id.includes('..')) return "contains '..'";
  if (!ID_PATTERN.test(id))
    return 'may use only letters, digits, "_", "-" and "." and must start with a letter or digit';
  return undefined;
}

export function isValidId(id: string): boolean {
  return idProblem(id) === undefined;
}

/** zod schema for a site, device or camera id. */
export const idSchema = z.string().superRefine((s, ctx) => {
  const p = idProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `id "${s.slice(0, 80)}" ${p}` });
});
