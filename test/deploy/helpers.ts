// Shared by the deploy suites: the deploy/ folder, YAML documents, and the real pretag CLI to
// check that the commands the manifests run exist with the options they pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '@pretag/shared/cli/program';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const deployDir = path.join(repoRoot, 'deploy');

export function deployFile(rel: string): string {
  return path.join(deployDir, rel);
}

/** Every document of a YAML text, failing on any syntax error. */
export function yamlDocs(text: string, what: string): unknown[] {
  return parseAllDocuments(text).map((d, i) => {
    if (d.errors.length) throw new Error(`${what} document ${i + 1}: ${d.errors[0]?.message}`);
    return d.toJS() as unknown;
  });
}

export function readYaml(rel: string): unknown {
  const [doc] = yamlDocs(readFileSync(deployFile(rel), 'utf8'), rel);
  return doc;
}

/**
 * Why `argv` (e.g. ["hub", "run", "--config", "x"]) is not a command line the real CLI accepts,
 * or undefined when it is: each word names a subcommand, each --flag an option of the last one.
 */
export async function cliProblem(argv: readonly string[]): Promise<string | undefined> {
  let cmd: Command = await buildProgram();
  let i = 0;
  for (; i < argv.length && !argv[i]?.startsWith('-'); i++) {
    const sub = cmd.commands.find((c) => c.name() === argv[i]);
    if (!sub) {
      if (cmd.commands.length === 0) break; // positional arguments from here on
      return `"${argv.slice(0, i + 1).join(' ')}": no such command (has ${cmd.commands.map((c) => c.name()).join(', ')})`;
    }
    cmd = sub;
  }
  for (; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (!word.startsWith('-')) continue;
    const opt = cmd.options.find((o) => o.long === word || o.short === word);
    if (!opt) return `"${cmd.name()}" has no option ${word}`;
    if (opt.required || opt.optional) i++;
  }
  return undefined;
}
