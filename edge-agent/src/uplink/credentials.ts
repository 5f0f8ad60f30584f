// The device's credentials file (edge.yaml `hub.credentials`): the bundle `pretag hub device add`
// prints, saved as JSON. It holds the only copy of the device password, so a file others can
// read is reported (not refused: the device keeps working while someone fixes the mode).
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { CliError } from '@pretag/shared/cli/errors';

const nonEmpty = z.string().min(1, 'must not be empty');

export const credentialsSchema = z.object({
  site: nonEmpty,
  device: nonEmpty,
  mqtt: z.object({
    url: z.url({ protocol: /^(mqtts?|wss?)$/, error: 'must be an mqtt(s):// or ws(s):// URL' }),
    username: nonEmpty,
    password: nonEmpty,
  }),
  blob: z.union(
    [
      z.object({ url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }) }),
      z.object({ azure: z.literal(true) }),
    ],
    { error: 'expected { url } (the hub store) or { azure: true }' },
  ),
  /** `username:password`, the bearer credential for the hub's HTTP API. */
  apiToken: nonEmpty.regex(/^[^:\s]+:\S+$/, 'must be "username:password"'),
  prefix: nonEmpty,
  edgeYaml: z.string().optional(),
});

export type DeviceCredentials = z.output<typeof credentialsSchema>;

/** Pure: "key: message" lines for a failed parse. */
export function credentialsProblems(e: z.ZodError): string[] {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
}

/** Pure: true when group or others have any permission on the file. */
export function openToOthers(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

export interface LoadedCredentials {
  credentials: DeviceCredentials;
  /** Set when the file's mode lets others read it. */
  warning?: string;
}

/** Reads and checks the file; every problem is a CliError naming the file (and the key). */
export function loadCredentials(file: string): LoadedCredentials {
  let text: string;
  let mode: number;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `credentials file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); save the bundle from \`pretag hub device add\` there, mode 0600`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`credentials file ${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `credentials file ${file}:\n  ${credentialsProblems(parsed.error).join('\n  ')}`,
    );
  const warning = openToOthers(mode)
    ? `credentials file ${file} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 on it`
    : undefined;
  return { credentials: parsed.data, ...(warning !== undefined && { warning }) };
}
