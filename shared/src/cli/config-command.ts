import { Option, type Command } from 'commander';
import { explainEdge, explainHub, resolvedJson } from '../config/explain.ts';
import { formatConfigErrors, loadConfigFile, type ConfigKind } from '../config/load.ts';
import { CliError } from './errors.ts';

interface CheckOptions {
  kind?: ConfigKind;
  at?: string;
  json?: boolean;
}

function parseInstant(s: string | undefined): Date {
  if (s === undefined) return new Date();
  const d = new Date(s);
  if (Number.isNaN(d.getTime()))
    throw new CliError(`--at: expected an ISO time such as 2026-03-29T06:30:00Z, got "${s}"`);
  return d;
}

/** `pretag config check FILE`: validate an edge.yaml / hub.yaml and show what each camera runs with. */
export function registerConfigCommands(program: Command): void {
  const config = program
    .command('config')
    .description('Validate and explain edge.yaml / hub.yaml files.');
  config
    .command('check')
    .description(
      'Check a config file. Errors are printed as file:line:col key.path: message (exit 1); a good file prints ' +
        'the resolved settings per camera, with the schedule window in force.',
    )
    .argument('<file>', 'edge.yaml or hub.yaml')
    .addOption(
      new Option('--kind <kind>', 'which kind of file (default: detected from its keys)').choices([
        'edge',
        'hub',
      ]),
    )
    .option(
      '--at <iso-time>',
      'resolve schedules at this instant instead of now, e.g. 2026-03-29T06:30:00Z',
    )
    .option('--json', 'print the resolved settings as JSON')
    .action((file: string, opts: CheckOptions) => {
      const at = parseInstant(opts.at);
      const r = loadConfigFile(file, opts.kind);
      if (!r.ok) {
        process.stderr.write(`${formatConfigErrors(r.errors)}\n`);
        const n = r.errors.length;
        throw new CliError(`${file}: ${n} problem${n === 1 ? '' : 's'} found`);
      }
      const text = opts.json
        ? JSON.stringify(resolvedJson(r.config, file, at), null, 2)
        : r.config.kind === 'edge'
          ? explainEdge(r.config, file, at)
          : explainHub(r.config, file, at);
      process.stdout.write(`${text}\n`);
    });
}
