// The `pretag` program with only the report command, run as a subprocess by cli.test.ts until
// the hub's cli.ts registers it; error handling as in shared/src/cli/main.ts.
import { Command, CommanderError } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { registerReportCommand } from '../../../cloud-hub/src/report/command.ts';

const program = new Command('pretag').exitOverride();
registerReportCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`pretag: ${err instanceof CliError ? err.message : String(err)}`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
