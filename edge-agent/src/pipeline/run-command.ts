// `pretag edge run`: the agent in the foreground (systemd runs it), stopped by SIGTERM / SIGINT.
import type { Command } from 'commander';
import { createLogger } from '@pretag/shared/log/logger';
import { Agent } from './agent.ts';

export function registerRunCommand(edge: Command): void {
  edge
    .command('run')
    .description('Run the edge agent: one pipeline per camera, spool, health on health.port')
    .requiredOption('--config <file>', 'edge.yaml')
    .option('--health-port <port>', 'override health.port (0: any free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('expected a port 0-65535');
      return n;
    })
    .action(async (flags: { config: string; healthPort?: number }) => {
      const logger = createLogger({ name: 'edge' });
      const agent = await Agent.start({
        configFile: flags.config,
        logger,
        ...(flags.healthPort !== undefined && { healthPort: flags.healthPort }),
      });
      logger.info({ cameras: Object.keys(agent.snapshot().cameras) }, 'agent running');
      await new Promise<void>((resolve) => {
        let signalled = false;
        const onSignal = (sig: NodeJS.Signals) => {
          if (signalled) {
            logger.warn({ signal: sig }, 'second signal: exiting now');
            process.exit(1);
          }
          signalled = true;
          logger.info({ signal: sig }, 'shutting down');
          void agent.stop().then(resolve, (err: unknown) => {
            logger.error({ err: String(err) }, 'shutdown failed');
            process.exit(1);
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      logger.info('stopped');
      // ONNX Runtime's thread pool can keep the event loop alive; everything is closed by now.
      process.exit(0);
    });
}
