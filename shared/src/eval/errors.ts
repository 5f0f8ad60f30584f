/** A ground-truth or detections input that cannot be evaluated; the message says why. */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}
