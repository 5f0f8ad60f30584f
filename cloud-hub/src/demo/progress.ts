// Per-camera progress: one line per camera redrawn in place on a terminal, plain lines every few
// seconds otherwise (logs, pipes).

export interface CameraProgress {
  camera: string;
  video: string;
  done: number;
  uploaded: number;
}

export function progressLine(p: CameraProgress): string {
  const pct = Math.floor(Math.min(1, Math.max(0, p.done)) * 100);
  const width = 24;
  const filled = Math.round((pct / 100) * width);
  return `${p.camera.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%  uploaded ${p.uploaded}  ${p.video}`;
}

export function createProgressDisplay(
  stream: NodeJS.WriteStream,
  rows: () => CameraProgress[],
  everyMs: number,
): { draw(final?: boolean): void; stop(): void } {
  const tty = Boolean(stream.isTTY);
  let drawn = 0;
  let last = 0;
  const draw = (final = false): void => {
    const lines = rows().map(progressLine);
    if (tty) {
      if (drawn) stream.write(`\x1b[${drawn}A`);
      stream.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      drawn = lines.length;
    } else if (final || Date.now() - last >= everyMs) {
      last = Date.now();
      stream.write(`${lines.join('\n')}\n`);
    }
  };
  const timer = setInterval(() => draw(), tty ? 200 : everyMs);
  timer.unref();
  return { draw, stop: () => clearInterval(timer) };
}
