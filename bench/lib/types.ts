// What a benchmark is: cases, each measuring a baseline and a subject in the same run.

/** One timed thing. `run` performs it once and returns its figure in the case's unit. */
export interface Measure {
  label: string;
  run(): Promise<number>;
}

export interface BenchCase {
  name: string;
  /** Unit of both figures, e.g. 'frames/s'. */
  unit: string;
  baseline: Measure;
  subject: Measure;
}

export interface BenchContext {
  /** Absolute paths of the benchmark's media, in the order it listed them. */
  media: string[];
}

export interface Benchmark {
  name: string;
  description: string;
  /** Files under ../shared/media it needs; the benchmark is skipped when any is missing. */
  media: string[];
  cases(ctx: BenchContext): Promise<BenchCase[]>;
}
