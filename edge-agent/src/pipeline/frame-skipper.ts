// Adaptive sampling on a fixed-rate decode. The source decodes at max_fps (restarting ffmpeg to
// change its fps filter would lose frames and the motion background), and this picks the frames
// that follow the sampling state machine's current interval. Pure: pts in, yes/no out.

export class FrameSkipper {
  #nextDue = -Infinity;
  readonly #tolerance: number;

  /** `sourceFps`: the rate frames arrive at; due times are matched within half a frame. */
  constructor(sourceFps: number) {
    this.#tolerance = 0.5 / sourceFps;
  }

  /** True when the frame at `pts` seconds should be sampled. */
  due(pts: number): boolean {
    return pts + this.#tolerance >= this.#nextDue;
  }

  /** After sampling the frame at `pts`: the next one is due `intervalS` later (grid kept, so the mean rate holds). */
  sampled(pts: number, intervalS: number): void {
    const onGrid = Number.isFinite(this.#nextDue) && pts - this.#nextDue < intervalS;
    this.#nextDue = (onGrid ? this.#nextDue : pts) + intervalS;
  }
}
