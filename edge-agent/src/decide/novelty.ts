// Novelty per camera: a frame whose accepted detections match those of the last frame uploaded
// for content (same classes and counts, every box paired at IoU ≥ novelty.iou) AND whose grey
// thumbnail differs from that frame's by less than novelty.pixel_diff is a near-copy and is
// skipped, except that a frame goes once novelty.keepalive_s has passed since that upload, so
// objects that stay in view are seen at least that often. The pacing of new content (min_gap_s,
// presence_s) is the caller's: sinceUpload says how long ago the last content upload was.
// Pure state: the caller passes times.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import type { Detection } from '@pretag/shared/detection/types';
import { sameDetections } from './detection-match.ts';
import { pixelDifference } from './thumbnail.ts';
import type { Thumbnail } from './thumbnail.ts';

export type NoveltySettings = EdgeSettings['novelty'];

export interface NoveltyCheck {
  /** new content; a near-copy to skip; or a near-copy sent because the keep-alive is due. */
  verdict: 'new' | 'near-copy' | 'keepalive';
  /** Pixel difference to the last upload; undefined when the detections already differ. */
  pixelDiff: number | undefined;
  /** Seconds since the last upload; undefined before the first. */
  sinceUploadS: number | undefined;
}

interface Uploaded {
  detections: readonly Detection[];
  thumb: Thumbnail;
  t: number;
}

export class NoveltyTracker {
  #last: Uploaded | undefined;
  #objectsInView = false;

  /**
   * Compares a frame's accepted detections (and, when they match, its thumbnail, built only then)
   * with the last upload. Does not change state: call recordUpload when the frame is sent.
   */
  check(
    accepted: readonly Detection[],
    thumb: () => Thumbnail,
    t: number,
    settings: NoveltySettings,
  ): NoveltyCheck {
    const last = this.#last;
    // Nothing sent yet, or the clock went back (a restarted replay): nothing to be a copy of.
    if (last === undefined || t < last.t)
      return { verdict: 'new', pixelDiff: undefined, sinceUploadS: undefined };
    const sinceUploadS = t - last.t;
    if (!sameDetections(accepted, last.detections, settings.iou))
      return { verdict: 'new', pixelDiff: undefined, sinceUploadS };
    const pixelDiff = pixelDifference(thumb(), last.thumb);
    if (!(pixelDiff < settings.pixel_diff)) return { verdict: 'new', pixelDiff, sinceUploadS };
    const verdict = sinceUploadS >= settings.keepalive_s ? 'keepalive' : 'near-copy';
    return { verdict, pixelDiff, sinceUploadS };
  }

  /** The frame at `t` was uploaded for its content (prefilter or motion); it is the new reference. */
  recordUpload(accepted: readonly Detection[], thumb: Thumbnail, t: number): void {
    this.#last = { detections: accepted.map((d) => ({ ...d, box: [...d.box] })), thumb, t };
  }

  /**
   * Seconds since the last content upload; Infinity before the first, or when the clock went
   * back (a restarted replay), so that any pacing rule lets the next upload through.
   */
  sinceUpload(t: number): number {
    const last = this.#last;
    return last === undefined || t < last.t ? Infinity : t - last.t;
  }

  /**
   * Records what the detector saw on a frame it ran on: are objects still in view? `detections`
   * are those that show presence (accepted, or of a class of interest above presence_score).
   */
  observe(detections: readonly Detection[]): void {
    this.#objectsInView = detections.length > 0;
  }

  /**
   * True when a keep-alive is owed: objects were in view when the detector last ran and the last
   * upload is at least keepalive_s old (or none was sent yet). The caller then runs the detector
   * even with the gate closed, since a person standing still stops moving but stays in view.
   */
  keepaliveDue(t: number, settings: NoveltySettings): boolean {
    return this.#objectsInView && this.sinceUpload(t) >= settings.keepalive_s;
  }

  /** Forget the reference (scene change): the next frame with objects is new. */
  reset(): void {
    this.#last = undefined;
    this.#objectsInView = false;
  }
}
