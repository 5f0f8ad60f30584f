// Config errors are data: file, line, column, key path and a message saying what was expected.
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { UNKNOWN_KEY_SEPARATOR } from './fields.ts';
import { formatKeyPath, locate, type KeyPath } from './locate.ts';

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  /** Dotted key path such as "cameras.dock-door-3.prefilter.min_score"; empty for YAML syntax errors. */
  path: string;
  message: string;
}

/** `edge.yaml:14:17 cameras.dock-door-3.prefilter.min_score: expected ...` */
export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col} ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** An error before it is placed in the text: candidate key paths, the first existing one wins. */
export interface PendingError {
  paths: KeyPath[];
  message: string;
  /** Point at the key rather than its value (unknown or badly named keys). */
  key?: boolean;
  /** The camera (and window) being checked, and where that camera's own block is. */
  camera?: string;
  ownPrefix?: KeyPath;
  window?: string;
}

function under(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.every((seg, i) => path[i] === seg);
}

/** Converts zod issues; `paths` maps an issue's path to candidate locations in the file. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  paths: (p: KeyPath) => KeyPath[],
  context: { camera?: string; ownPrefix?: KeyPath; window?: string } = {},
): PendingError[] {
  const out: PendingError[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      const messages = iss.message.split(UNKNOWN_KEY_SEPARATOR);
      iss.keys.forEach((k, i) =>
        out.push({
          paths: paths([...iss.path, k]),
          message: messages[i] ?? `unknown key "${k}"`,
          key: true,
          ...context,
        }),
      );
    } else if (iss.code === 'invalid_key') {
      out.push({
        paths: paths(iss.path),
        message: iss.issues[0]?.message ?? iss.message,
        key: true,
        ...context,
      });
    } else {
      out.push({ paths: paths(iss.path), message: iss.message, ...context });
    }
  }
  return out;
}

/** Places pending errors in the text, merging repeats that come from one inherited value. */
export function placeErrors(
  pending: readonly PendingError[],
  file: string,
  doc: Document,
  lineCounter: LineCounter,
): ConfigError[] {
  const byKey = new Map<
    string,
    { error: ConfigError; cameras: Set<string>; windows: Set<string>; general: boolean }
  >();
  for (const p of pending) {
    const candidates = p.paths.map((path) => ({ path, at: locate(doc, lineCounter, path, p.key) }));
    const chosen = candidates.find((c) => c.at.exact) ?? candidates[0];
    if (!chosen) continue;
    // A value that is nowhere in the file is a built-in default (or a required key left out).
    const builtin = !chosen.at.exact && !/^(is required|unknown key)/.test(p.message);
    const message = builtin
      ? `${p.message} (the built-in default; set it in the file to change it)`
      : p.message;
    const error: ConfigError = {
      file,
      line: chosen.at.line,
      col: chosen.at.col,
      path: formatKeyPath(chosen.path),
      message,
    };
    const k = `${error.line}:${error.col}:${error.path}:${error.message}`;
    const entry = byKey.get(k) ?? { error, cameras: new Set(), windows: new Set(), general: false };
    // A camera note is only useful when the error was placed outside that camera's own block.
    const inherited =
      p.camera !== undefined && p.ownPrefix !== undefined && !under(chosen.path, p.ownPrefix);
    if (inherited && p.camera !== undefined) {
      entry.cameras.add(p.camera);
      if (p.window !== undefined) entry.windows.add(p.window);
    } else entry.general = true;
    byKey.set(k, entry);
  }
  return [...byKey.values()].map(({ error, cameras, windows, general }) => {
    if (general || cameras.size === 0) return error;
    const names = [...cameras].map((c) => `"${c}"`).join(', ');
    const during = windows.size ? ` during ${[...windows].join(', ')}` : '';
    return {
      ...error,
      message: `${error.message} (in effect for camera${cameras.size > 1 ? 's' : ''} ${names}${during})`,
    };
  });
}

export function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}
