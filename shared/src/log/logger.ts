import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level?: LevelWithSilent;
  /** Human-readable output; defaults to on when stderr is a terminal, JSON lines otherwise. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr so that stdout stays free for command output. */
  fd?: number;
}

/** Structured logger (pino): pretty on a terminal, JSON for journald and log shippers. */
export function createLogger(opts: LoggerOptions): Logger {
  const level =
    opts.level ?? (process.env.PRETAG_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const fd = opts.fd ?? 2;
  const usePretty = opts.pretty ?? (fd === 2 ? process.stderr.isTTY : process.stdout.isTTY);
  if (usePretty) {
    return pino(
      { name: opts.name, level },
      pretty({ destination: fd, colorize: true, ignore: 'pid,hostname', sync: true }),
    );
  }
  return pino({ name: opts.name, level }, pino.destination({ fd, sync: true }));
}
