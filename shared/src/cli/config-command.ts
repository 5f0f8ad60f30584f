import type { Command } from 'commander';

export function registerConfigCommands(program: Command): void {
  program.command('config').description('Validate and explain edge.yaml / hub.yaml files.');
}
