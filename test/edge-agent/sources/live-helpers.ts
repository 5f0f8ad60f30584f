// Shared bits of the live-source tests: polling for a condition, a hand-driven clock, and a
// check for decoder processes left behind.
import { spawnSync } from 'node:child_process';
import type { Clock } from '../../../edge-agent/src/sources/resilient-source.ts';

/** Polls until `check` holds; the limit only keeps a broken run from hanging forever. */
export async function waitFor(what: string, check: () => boolean, limitMs = 90_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** ffmpeg/ffprobe processes whose command line mentions `needle` (e.g. a unique port). */
export function decoderProcesses(needle: string): string[] {
  const out = spawnSync('pgrep', ['-af', `ff(mpeg|probe) .*${needle.replace(/\./g, '\\.')}`], {
    encoding: 'utf8',
  });
  return out.stdout.split('\n').filter(Boolean);
}

/** A clock that moves only when the test says so; timers fire in due order. */
export class ManualClock implements Clock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start = 1_800_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { due: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (!next || entry[1].due < next[1].due) next = entry;
      if (!next || next[1].due > end) break;
      this.timers.delete(next[0]);
      this.t = next[1].due;
      next[1].fn();
    }
    this.t = end;
  }
}
