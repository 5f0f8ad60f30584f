// The `pretag models` command group; each subcommand lives in its own module.
import type { Command } from 'commander';

export async function register(program: Command): Promise<void> {
  const models = program
    .command('models')
    .description('Build, quantize and evaluate the detectors');
  const { registerBuildCommand } = await import('./build/command.ts');
  registerBuildCommand(models);
  const { registerEvalCommand } = await import('./eval-command.ts');
  registerEvalCommand(models);
}
