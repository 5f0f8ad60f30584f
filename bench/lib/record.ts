// bench/results.jsonl: one JSON object per case per run, appended, kept in the repo as history.
import { appendFile } from 'node:fs/promises';
import type { CaseResult } from './runner.ts';
import type { GitInfo, MachineInfo } from './machine.ts';

export interface ResultLine {
  date: string;
  commit: string;
  dirty: boolean;
  bench: string;
  case: string;
  unit: string;
  repeats: number;
  baseline: { label: string; median: number; samples: number[] };
  subject: { label: string; median: number; samples: number[] };
  ratio: number;
  ratioRange: [number, number];
  machine: MachineInfo;
}

const round = (v: number): number => Math.round(v * 1e4) / 1e4;

export function resultLine(
  bench: string,
  r: CaseResult,
  git: GitInfo,
  machine: MachineInfo,
  date: Date,
): ResultLine {
  return {
    date: date.toISOString(),
    commit: git.commit,
    dirty: git.dirty,
    bench,
    case: r.case,
    unit: r.unit,
    repeats: r.baseline.samples.length,
    baseline: {
      label: r.baseline.label,
      median: round(r.summary.baselineMedian),
      samples: r.baseline.samples.map(round),
    },
    subject: {
      label: r.subject.label,
      median: round(r.summary.subjectMedian),
      samples: r.subject.samples.map(round),
    },
    ratio: round(r.summary.ratio),
    ratioRange: [round(r.summary.ratioMin), round(r.summary.ratioMax)],
    machine,
  };
}

export async function appendResults(file: string, lines: readonly ResultLine[]): Promise<void> {
  if (lines.length) await appendFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}
