// Double review (CVAT-style honeypots): a configurable share of QA samples is chosen, by a hash
// of the QA seed and the sample id, to be reviewed by two different reviewers. Such a sample
// stays pending until two reviewers have given verdicts on it. Pure.
import { hashSeed, mulberry32 } from '@pretag/shared/random/prng';

export function reviewersNeeded(sampleId: number, share: number, seed = 1): 1 | 2 {
  if (!(share > 0)) return 1;
  if (share >= 1) return 2;
  // FNV-1a's top bits barely move between consecutive ids; mulberry32 mixes them.
  return mulberry32(hashSeed(`${seed}:overlap:${sampleId}`))() < share ? 2 : 1;
}
