// The tokens file named by hub.yaml `auth.tokens_file`: API bearer tokens for people.
//
//   tokens:
//     - { name: alice, role: operator, sha256: 9f86d0…(64 hex) }   # preferred: only the hash
//     - { name: bob, role: reviewer, token: "at least 32 characters of secret" }
//
// Only the SHA-256 of each token is kept in memory. Tokens are long random strings, so a fast
// hash is enough (no password stretching needed) and lookups stay cheap per request.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const MIN_TOKEN_LENGTH = 32;

export interface TokenEntry {
  name: string;
  role: 'operator' | 'reviewer';
  /** SHA-256 of the token. */
  sha256: Buffer;
}

const entrySchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/,
        'must be 1-64 letters, digits, "_", ".", "@", "-"',
      ),
    role: z.enum(['operator', 'reviewer']),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
      .optional(),
    token: z
      .string()
      .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`)
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
  })
  .refine((e) => (e.sha256 === undefined) !== (e.token === undefined), {
    message: 'set exactly one of sha256 or token',
  });

const fileSchema = z.strictObject({ tokens: z.array(entrySchema).max(10_000) });

export class TokensFileError extends Error {
  override name = 'TokensFileError';
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Checks parsed YAML/JSON; throws TokensFileError naming the entry and field. */
export function tokensFromDocument(doc: unknown, source = 'tokens file'): TokenEntry[] {
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new TokensFileError(`${source}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const names = new Set<string>();
  return parsed.data.tokens.map((e, i) => {
    if (names.has(e.name))
      throw new TokensFileError(`${source}: tokens.${i}.name: "${e.name}" is used twice`);
    names.add(e.name);
    const sha256 =
      e.sha256 !== undefined ? Buffer.from(e.sha256, 'hex') : hashToken(e.token as string);
    return { name: e.name, role: e.role, sha256 };
  });
}

export async function loadTokensFile(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TokensFileError(`cannot read tokens file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new TokensFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return tokensFromDocument(doc, file);
}
