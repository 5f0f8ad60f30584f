// Benchmark harness entry: `npm run bench -- [names...] [--list] [--repeat N] [--no-record]`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './benchmarks/index.ts';
import { USAGE, parseBenchArgs, selectByName } from './lib/cli-args.ts';
import { gitInfo, machineInfo } from './lib/machine.ts';
import { appendResults, resultLine } from './lib/record.ts';
import type { ResultLine } from './lib/record.ts';
import { runCase } from './lib/runner.ts';
import { formatLegend, formatTable } from './lib/table.ts';
import type { TableRow } from './lib/table.ts';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, '..');
const resultsFile = path.join(benchDir, 'results.jsonl');
// Same rule as the tests: media lives beside the repo, PRETAG_MEDIA overrides.
const mediaDir = process.env.PRETAG_MEDIA ?? path.resolve(repoDir, '..', 'shared', 'media');

/** A live "name case i/N" line on a terminal; nothing when output is captured. */
function progress(name: string): ((msg: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (msg) => process.stderr.write(`\r\x1b[K  ${name}: ${msg}`);
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(12)} ${b.description}`);
    return 0;
  }
  const { selected, unknown } = selectByName(BENCHMARKS, args.names);
  if (unknown.length) {
    console.error(
      `unknown benchmark: ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`,
    );
    return 2;
  }

  const [machine, git] = await Promise.all([machineInfo(), gitInfo(repoDir)]);
  console.log(
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}, ffmpeg ${machine.ffmpeg}, load ${machine.load1}`,
  );
  console.log(
    `commit ${git.commit.slice(0, 12)}${git.dirty ? ' (dirty)' : ''}, ${args.repeat} repeats\n`,
  );

  const rows: TableRow[] = [];
  const lines: ResultLine[] = [];
  let failed = 0;
  for (const bench of selected) {
    const media = bench.media.map((rel) => path.join(mediaDir, rel));
    const missing = media.filter((p) => !existsSync(p));
    if (missing.length) {
      console.log(`SKIP ${bench.name}: media not found: ${missing.join(', ')}`);
      continue;
    }
    try {
      for (const c of await bench.cases({ media })) {
        const result = await runCase(c, args.repeat, progress(bench.name));
        rows.push({
          bench: bench.name,
          case: result.case,
          unit: result.unit,
          repeats: args.repeat,
          baselineLabel: result.baseline.label,
          subjectLabel: result.subject.label,
          summary: result.summary,
        });
        lines.push(resultLine(bench.name, result, git, machine, new Date()));
      }
    } catch (err) {
      failed++;
      console.error(`FAIL ${bench.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (rows.length) {
    console.log(
      `\n${formatTable(rows)}\n\nratio = subject / baseline, median of the per-repeat ratios; range = min–max.\n${formatLegend(rows)}`,
    );
  }
  if (args.record && lines.length) {
    await appendResults(resultsFile, lines);
    console.log(
      `\nappended ${lines.length} line(s) to ${path.relative(process.cwd(), resultsFile) || resultsFile}`,
    );
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
