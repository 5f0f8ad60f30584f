// `pretag edge replay`: flags → runReplay, progress on a terminal, the table on stdout.
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { createLogger } from '@pretag/shared/log/logger';
import { runReplay } from './replay.ts';
import { formatSummary } from './summary.ts';

interface ReplayFlags {
  config: string;
  camera: string;
  video: string;
  out: string;
  maxFrames?: number;
  redact: boolean;
  start?: Date;
  jpegQuality?: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function quality(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('expected a whole number from 1 to 100');
  return n;
}

function isoDate(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d\d-\d\d/.test(v) || Number.isNaN(d.getTime()))
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-11-27T08:00:00Z');
  return d;
}

export function registerReplayCommand(edge: Command): void {
  edge
    .command('replay')
    .description(
      'Run the full decision path on a recorded video (no network, no spool) and write decisions.jsonl, summary.json and frames/*.jpg',
    )
    .requiredOption('--config <file>', 'edge.yaml')
    .requiredOption('--camera <id>', 'camera whose settings apply')
    .requiredOption('--video <file>', 'recorded video')
    .requiredOption('--out <dir>', 'output folder (created)')
    .option('--max-frames <n>', 'stop after this many sampled frames', positiveInt)
    .option('--no-redact', 'do not blur faces in the written frames')
    .option('--start <iso>', 'capture time of the first frame (default: now)', isoDate)
    .option('--jpeg-quality <q>', 'JPEG quality of the written frames (default 85)', quality)
    .action(async (flags: ReplayFlags) => {
      const tty = process.stderr.isTTY;
      let shown = -1;
      const logger = createLogger({ name: 'replay' });
      const { summary } = await runReplay({
        config: flags.config,
        camera: flags.camera,
        video: flags.video,
        out: flags.out,
        maxFrames: flags.maxFrames,
        // Commander's --no-redact gives redact: false; leave the camera's setting otherwise.
        redact: flags.redact ? undefined : false,
        start: flags.start,
        jpegQuality: flags.jpegQuality,
        logger,
        onProgress: tty
          ? (done) => {
              const p = Math.floor(done * 100);
              if (p !== shown)
                process.stderr.write(`\rreplaying ${flags.camera}: ${(shown = p)} %`);
            }
          : undefined,
      }).catch((err: unknown) => {
        if (tty) process.stderr.write('\n');
        if (err instanceof CliError) throw err;
        throw new CliError(`replay failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(`${formatSummary(summary)}\n  written to ${path.resolve(flags.out)}\n`);
    });
}
