// The `pretag edge` command group: the agent (`run`) and the tuning tool (`replay`).
import type { Command } from 'commander';

export async function register(program: Command): Promise<void> {
  const edge = program
    .command('edge')
    .description('The edge agent: run it on a device, or replay a video to tune thresholds');
  const { registerReplayCommand } = await import('./replay/command.ts');
  registerReplayCommand(edge);
  const { registerRunCommand } = await import('./pipeline/run-command.ts');
  registerRunCommand(edge);
}
