// Build progress: one line per step. On a terminal a running step redraws its line with a
// percentage; elsewhere (CI logs, pipes) only the finished lines are printed.
export interface ProgressSink {
  /** Starts a step, e.g. "[2/3] nanodet: convert". */
  start(label: string): void;
  /** Fraction done of the current step (0..1) with an optional count text. */
  update(fraction: number, detail?: string): void;
  /** Ends the step with a short result. */
  done(result: string): void;
}

export interface StreamLike {
  write(s: string): unknown;
  isTTY?: boolean;
}

export function formatPercent(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`.padStart(4);
}

export function createProgress(stream: StreamLike = process.stderr): ProgressSink {
  const tty = Boolean(stream.isTTY);
  let label = '';
  let lastDrawn = -1;
  let open = false; // a step line is on screen without its newline
  return {
    start(l) {
      if (tty && open) stream.write('\n');
      label = l;
      lastDrawn = -1;
      open = tty;
      if (tty) stream.write(`${label} …`);
    },
    update(fraction, detail) {
      if (!tty) return;
      const pct = Math.floor(fraction * 100);
      if (pct === lastDrawn) return;
      lastDrawn = pct;
      stream.write(`\r\x1b[2K${label} ${formatPercent(fraction)}${detail ? ` (${detail})` : ''}`);
    },
    done(result) {
      open = false;
      stream.write(`${tty ? '\r\x1b[2K' : ''}${label}: ${result}\n`);
    },
  };
}

/** A sink that prints nothing (library use, tests). */
export const silentProgress: ProgressSink = { start() {}, update() {}, done() {} };
