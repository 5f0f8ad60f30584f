// Every benchmark `node bench/run.ts` knows, by name.
import type { Benchmark } from '../lib/types.ts';
import { cleanup } from './cleanup.ts';
import { decode } from './decode.ts';
import { ingest } from './ingest.ts';
import { int8 } from './int8.ts';
import { ledger } from './ledger.ts';
import { replay } from './replay.ts';
import { worker } from './worker.ts';

export const BENCHMARKS: readonly Benchmark[] = [
  decode,
  cleanup,
  ledger,
  ingest,
  worker,
  replay,
  int8,
];
