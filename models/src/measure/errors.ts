/** A model, image folder or ground truth that cannot be evaluated; the message says why. */
export class EvalModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalModelError';
  }
}
