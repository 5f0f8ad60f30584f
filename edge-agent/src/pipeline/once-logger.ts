// One log line per kind of per-frame error: a broken frame repeats at the sampling rate, and a
// log that says the same thing 4 times a second hides everything else. Counts keep the rest.

/** What the pipeline logs through (a pino logger fits). */
export interface PipelineLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class ErrorTally {
  readonly counts: Record<string, number> = {};
  readonly #logger: Pick<PipelineLog, 'error'> | undefined;

  constructor(logger?: Pick<PipelineLog, 'error'>) {
    this.#logger = logger;
  }

  record(kind: string, err: unknown, context: object = {}): void {
    const n = (this.counts[kind] ?? 0) + 1;
    this.counts[kind] = n;
    if (n === 1)
      this.#logger?.error(
        { ...context, kind, err: err instanceof Error ? err.message : String(err) },
        `frame error (${kind}); further ones of this kind are only counted`,
      );
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
