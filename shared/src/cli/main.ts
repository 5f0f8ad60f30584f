import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { buildProgram } from './program.ts';

const program = await buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError) {
    console.error(`pretag: ${err.message}`);
    process.exit(err.exitCode);
  }
  if (process.env.PRETAG_DEBUG) console.error(err);
  else
    console.error(
      `pretag: ${err instanceof Error ? err.message : String(err)} (set PRETAG_DEBUG=1 for details)`,
    );
  process.exit(1);
}
export { Command };
