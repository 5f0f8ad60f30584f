// A detector opened on first use, so the agent loads the face model only once some camera
// redacts (redact_faces can be switched on later by a reload or a schedule window).
import type { Detection } from '@pretag/shared/detection/types';
import type { DecodedImage, Detector } from '@pretag/shared/detector/types';

export class LazyDetector {
  readonly #open: () => Promise<Detector>;
  #opening: Promise<Detector> | undefined;

  constructor(open: () => Promise<Detector>) {
    this.#open = open;
  }

  /** True once an open has been started (it may still be in progress). */
  get opened(): boolean {
    return this.#opening !== undefined;
  }

  /** Opens now; rejects with the opener's error (e.g. the model file is missing). */
  ready(): Promise<Detector> {
    const opening = (this.#opening ??= this.#open());
    // A failed open is retried on the next call rather than remembered forever.
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    return opening;
  }

  async detect(image: DecodedImage): Promise<Detection[]> {
    return (await this.ready()).detect(image);
  }

  /** Closes the detector if it was opened; never throws for one that failed to open. */
  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    const detector = await opening?.catch(() => undefined);
    await detector?.close();
  }
}
