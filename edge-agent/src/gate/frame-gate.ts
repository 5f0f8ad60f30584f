// The per-camera gate in front of the pre-filter: scene change first (a moved camera makes the
// motion background worthless, so it is reseeded), then motion.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import type { GrayFrame } from './gray-frame.ts';
import { MotionDetector, motionConfigFor } from './motion-detector.ts';
import type { MotionOptions, MotionResult } from './motion-detector.ts';
import { SceneChangeDetector } from './scene-change.ts';
import type { SceneChangeOptions, SceneChangeResult } from './scene-change.ts';

export type GateSettings = Pick<EdgeSettings, 'motion' | 'masks' | 'scene_change'>;

export interface GateResult {
  motion: MotionResult;
  scene: SceneChangeResult;
  /** Worth running the pre-filter on: motion, or a new scene to look at. */
  open: boolean;
}

export class FrameGate {
  readonly #motion: MotionDetector;
  readonly #scene: SceneChangeDetector;

  constructor(
    settings: GateSettings,
    options: { motion?: MotionOptions; scene?: SceneChangeOptions } = {},
  ) {
    this.#motion = new MotionDetector(motionConfigFor(settings), options.motion);
    this.#scene = new SceneChangeDetector(settings.scene_change, options.scene);
  }

  setSettings(settings: GateSettings): void {
    this.#motion.setConfig(motionConfigFor(settings));
    this.#scene.setConfig(settings.scene_change);
  }

  /** One sampled frame at `t` seconds. Throws GateInputError for an unusable frame. */
  process(frame: GrayFrame, t: number): GateResult {
    const scene = this.#scene.update(frame);
    if (scene.changed) this.#motion.reseed();
    const motion = this.#motion.detect(frame, t);
    return { motion, scene, open: motion.motion || scene.changed };
  }
}
