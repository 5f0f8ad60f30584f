// Audit draws: each rejected frame (gate closed, or no accepted detections) is uploaded anyway,
// marked `audit`, with probability audit_rate, so the hub can measure the pre-filter's recall.
// One draw per rejected frame whatever the rate, so a rate change never shifts later draws.
import { mulberry32 } from '@pretag/shared/random/prng';
import type { Random } from '@pretag/shared/random/prng';

export class AuditSampler {
  readonly #random: Random;

  /** `random` overrides the seeded generator (it must return numbers in [0, 1)). */
  constructor(seed: number, random?: Random) {
    this.#random = random ?? mulberry32(seed);
  }

  /** One rejected frame: true when it is to be uploaded as an audit sample. */
  draw(rate: number): boolean {
    if (!(rate >= 0 && rate <= 1))
      throw new RangeError(`audit_rate must be within 0..1, got ${rate}`);
    return this.#random() < rate;
  }
}
