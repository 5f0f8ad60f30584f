// Every benchmark `node bench/run.ts` knows, by name.
import type { Benchmark } from '../lib/types.ts';
import { cleanup } from './cleanup.ts';
import { decode } from './decode.ts';
import { ledger } from './ledger.ts';

export const BENCHMARKS: readonly Benchmark[] = [decode, cleanup, ledger];
