// `node bench/run.ts [names...] [--list] [--repeat N] [--no-record]`, parsed and checked.
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface BenchArgs {
  names: string[];
  list: boolean;
  repeat: number;
  record: boolean;
  help: boolean;
}

export const DEFAULT_REPEAT = 5;

export const USAGE = `usage: node bench/run.ts [names...] [--list] [--repeat N] [--no-record]
  names        benchmarks to run (default: all)
  --list       print the benchmarks and exit
  --repeat N   repeats per case; the median is reported (default ${DEFAULT_REPEAT})
  --no-record  do not append to bench/results.jsonl`;

const Repeat = z.coerce.number().int().min(1).max(100);

/** Throws an Error with a one-line message on bad arguments. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      list: { type: 'boolean', default: false },
      repeat: { type: 'string', default: String(DEFAULT_REPEAT) },
      record: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const repeat = Repeat.safeParse(values.repeat);
  if (!repeat.success)
    throw new Error(`--repeat must be a whole number from 1 to 100, got "${values.repeat}"`);
  return {
    names: positionals,
    list: values.list,
    repeat: repeat.data,
    record: values.record,
    help: values.help,
  };
}

/** Picks benchmarks by name, keeping the registry's order; names it does not know are returned. */
export function selectByName<T extends { name: string }>(
  all: readonly T[],
  names: readonly string[],
): { selected: T[]; unknown: string[] } {
  if (names.length === 0) return { selected: [...all], unknown: [] };
  const known = new Set(all.map((b) => b.name));
  return {
    selected: all.filter((b) => names.includes(b.name)),
    unknown: names.filter((n) => !known.has(n)),
  };
}
