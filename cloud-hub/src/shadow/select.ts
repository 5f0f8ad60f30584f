// Which frames the shadow candidate runs on: a fixed share chosen by a hash of the frame id, so
// the choice is the same on every hub, after restarts, and for every candidate. Pure.
import { hashSeed, mulberry32 } from '@pretag/shared/random/prng';

export function inShadowShare(frameId: string, share: number): boolean {
  if (!(share > 0)) return false;
  if (share >= 1) return true;
  return shadowDraw(frameId) < share;
}

/**
 * The frame's uniform draw in [0, 1). FNV-1a alone leaves its top bits nearly fixed for ids that
 * differ only in their last characters (cam-001, cam-002...), so its value seeds mulberry32.
 */
export function shadowDraw(frameId: string): number {
  return mulberry32(hashSeed(`shadow:${frameId}`))();
}
