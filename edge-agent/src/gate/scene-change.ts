// Scene change: the camera was moved or bumped, or the stream cut to another view. The motion
// background is worthless after that, and the agent should say so.
//
// Descriptor: the horizontal and vertical differences of a 16×16 thumbnail (area averages),
// normalised to zero mean and unit variance. Differences follow the scene's edges, so a shift of a
// few percent decorrelates them, while lighting and exposure (which scale and offset every cell
// alike) cancel out. The distance is (1 - correlation) / 2: 0 for the same layout, about 0.5 for
// unrelated views, 1 for an inverted one. Measured on the shared test videos: people walking in
// view stay below 0.22 from the empty scene, a 10 % camera shift gives 0.38-0.52, a cut to
// another camera 0.47-0.51.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import { checkGrayFrame, downscale } from './gray-frame.ts';
import type { GrayFrame } from './gray-frame.ts';

/** `scene_change:` from edge.yaml. */
export type SceneChangeConfig = EdgeSettings['scene_change'];

export interface SceneChangeOptions {
  /** Thumbnail cells across and down. */
  grid?: number;
  /** Consecutive frames that must differ before a change is declared (a passer-by close to the lens is brief). */
  confirmFrames?: number;
  /** How fast the reference follows slow drift (sun, dusk) while the scene is the same. */
  driftRate?: number;
}

const DEFAULTS: Required<SceneChangeOptions> = { grid: 16, confirmFrames: 2, driftRate: 0.05 };

export interface SceneChangeResult {
  /** Distance of this frame to the accepted scene, 0..1. */
  distance: number;
  /** True on the frame where a new scene is accepted (the first frame is not a change). */
  changed: boolean;
}

/** Zero-mean, unit-variance edge thumbnail of a frame. Flat frames give all zeros. */
export function sceneDescriptor(frame: GrayFrame, grid = DEFAULTS.grid): Float32Array {
  checkGrayFrame(frame);
  const w = Math.min(grid, frame.width);
  const h = Math.min(grid, frame.height);
  const t = downscale(frame, w, h);
  const d = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = t[i] as number;
      d[2 * i] = x + 1 < w ? (t[i + 1] as number) - v : 0;
      d[2 * i + 1] = y + 1 < h ? (t[i + w] as number) - v : 0;
    }
  }
  let mean = 0;
  for (const v of d) mean += v;
  mean /= d.length;
  let varSum = 0;
  for (const v of d) varSum += (v - mean) ** 2;
  // A flat frame (lens cap, black screen) has no layout; keep it all zeros.
  const std = Math.sqrt(varSum / d.length);
  for (let i = 0; i < d.length; i++) d[i] = std > 0.25 ? ((d[i] as number) - mean) / std : 0;
  return d;
}

/** (1 - Pearson correlation) / 2 of two descriptors; 0.5 when either is flat. */
export function sceneDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return 1;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return na === nb ? 0 : 0.5;
  const r = dot / Math.sqrt(na * nb);
  return Math.min(1, Math.max(0, (1 - r) / 2));
}

export class SceneChangeDetector {
  readonly #opts: Required<SceneChangeOptions>;
  #config: SceneChangeConfig;
  #reference: Float32Array | undefined;
  #differing = 0;

  constructor(config: SceneChangeConfig, options: SceneChangeOptions = {}) {
    this.#opts = { ...DEFAULTS, ...options };
    this.#config = config;
  }

  setConfig(config: SceneChangeConfig): void {
    this.#config = config;
  }

  /** Compares a frame with the accepted scene. Throws GateInputError for an unusable frame. */
  update(frame: GrayFrame): SceneChangeResult {
    const cur = sceneDescriptor(frame, this.#opts.grid);
    const ref = this.#reference;
    if (ref === undefined || ref.length !== cur.length) {
      this.#reference = cur;
      this.#differing = 0;
      return { distance: 0, changed: false };
    }
    const distance = sceneDistance(ref, cur);
    if (distance > this.#config.threshold) {
      this.#differing++;
      if (this.#differing >= this.#opts.confirmFrames) {
        this.#reference = cur;
        this.#differing = 0;
        return { distance, changed: true };
      }
      return { distance, changed: false };
    }
    this.#differing = 0;
    const a = this.#opts.driftRate;
    for (let i = 0; i < ref.length; i++)
      ref[i] = (ref[i] as number) + a * ((cur[i] as number) - (ref[i] as number));
    return { distance, changed: false };
  }

  /** Forget the accepted scene; the next frame becomes it. */
  reset(): void {
    this.#reference = undefined;
    this.#differing = 0;
  }
}
