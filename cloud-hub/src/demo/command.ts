// `pretag demo [VIDEO…]`: registers the command; Ctrl-C (or SIGTERM) at any time shuts the demo
// down cleanly, a second one exits at once.
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { runDemo } from './run-demo.ts';

function positive(name: string, int: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!(v.trim() !== '' && Number.isFinite(n) && n > 0 && (!int || Number.isInteger(n))))
      throw new CliError(`${name}: expected a ${int ? 'whole ' : ''}number above 0, got "${v}"`);
    return n;
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run a hub and one edge camera per video in this process, then print the summary and write the report, COCO batches and a QA gallery.',
    )
    .argument(
      '[videos...]',
      'video files, one camera each (default: opencv-doc vtest.avi if installed)',
    )
    .option('--out <dir>', 'where the outputs go', 'pretag-demo-out')
    .option(
      '--serve',
      'keep the hub and its review pages (/ui/) running afterwards, printing sign-in tokens (Ctrl-C stops it)',
    )
    .option('--port <n>', 'API port (default: a free one)', positive('--port', true))
    .option(
      '--max-seconds <s>',
      'stop each camera after this much video',
      positive('--max-seconds', false),
    )
    .action(
      async (
        videos: string[],
        opts: { out: string; serve?: boolean; port?: number; maxSeconds?: number },
      ) => {
        const ac = new AbortController();
        const onSignal = (sig: NodeJS.Signals): void => {
          if (ac.signal.aborted) {
            process.stderr.write(`pretag: second ${sig}: exiting without a clean shutdown\n`);
            process.exit(130);
          }
          ac.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          await runDemo(
            {
              videos,
              out: opts.out,
              serve: opts.serve ?? false,
              port: opts.port,
              maxSeconds: opts.maxSeconds,
            },
            ac.signal,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      },
    );
}
