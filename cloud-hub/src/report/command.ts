// `pretag report`: pulls the daily report (JSON, CSV or HTML) from a hub's API and writes it to
// stdout or a file.
import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { CliError } from '@pretag/shared/cli/errors';
import { fetchReport } from './fetch-report.ts';
import { DEFAULT_DAYS, REPORT_FORMATS, reportRequest } from './request.ts';
import type { ReportOptions } from './request.ts';

interface CommandOptions extends ReportOptions {
  out?: string;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Pull the cost report (frames per edge stage, bytes, compute, annotation cost, recall, ' +
        'projection, threshold suggestions) from a hub, as JSON, CSV or a self-contained HTML page.',
    )
    .option('--hub <url>', 'the hub API, e.g. http://hub.local:8080')
    .option('--token <token>', 'operator or reviewer bearer token (default: env PRETAG_TOKEN)')
    .option('--from <day>', `first UTC day YYYY-MM-DD (default: ${DEFAULT_DAYS} days up to --to)`)
    .option('--to <day>', 'last UTC day YYYY-MM-DD, inclusive (default: today)')
    .option('--site <site>', 'only this site')
    .option('--camera <camera>', 'only this camera')
    .option('--cameras <n>', 'fleet size for the projection (default: the hub’s, 1000)')
    .addOption(
      new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('json'),
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: CommandOptions) => {
      const today = new Date().toISOString().slice(0, 10);
      const r = reportRequest(opts, process.env, today);
      if (!r.ok) throw new CliError(r.message);
      const got = await fetchReport(r.request);
      if (!got.ok) throw new CliError(got.message);
      const body = got.body.endsWith('\n') ? got.body : `${got.body}\n`;
      if (opts.out === undefined) {
        process.stdout.write(body);
        return;
      }
      try {
        writeFileSync(opts.out, body);
      } catch (err) {
        throw new CliError(`cannot write ${opts.out}: ${(err as Error).message}`);
      }
      process.stderr.write(`wrote ${opts.out} (${Buffer.byteLength(body)} bytes)\n`);
    });
}
