import { Command } from 'commander';
import { readFileSync } from 'node:fs';

/** A workspace that adds subcommands exports `register(program)` from its `cli` module. */
export interface CliPlugin {
  register(program: Command): void | Promise<void>;
}

// Optional: a Jetson installs only the edge workspace, a hub host only the hub's.
const PLUGINS = ['@pretag/edge-agent/cli', '@pretag/cloud-hub/cli', '@pretag/models/cli'];

async function loadPlugin(spec: string): Promise<CliPlugin | undefined> {
  try {
    const mod = (await import(spec)) as Partial<CliPlugin>;
    return typeof mod.register === 'function' ? (mod as CliPlugin) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
    // Only "this workspace is not installed" is expected; a broken plugin must be loud.
    if (missing && String((err as Error).message).includes(spec.split('/').slice(0, 2).join('/')))
      return undefined;
    throw err;
  }
}

export async function buildProgram(): Promise<Command> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const program = new Command('pretag')
    .description('Edge-plus-cloud pre-tagging for safety cameras.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const { registerConfigCommands } = await import('./config-command.ts');
  registerConfigCommands(program);
  for (const spec of PLUGINS) {
    const plugin = await loadPlugin(spec);
    if (plugin) await plugin.register(program);
  }
  return program;
}
