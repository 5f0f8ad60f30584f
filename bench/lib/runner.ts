// Runs a benchmark's cases: baseline and subject alternate within each repeat, so slow drifts in
// machine load hit both alike.
import { summarize } from './stats.ts';
import type { CaseSummary } from './stats.ts';
import type { BenchCase } from './types.ts';

export interface CaseResult {
  case: string;
  unit: string;
  baseline: { label: string; samples: number[] };
  subject: { label: string; samples: number[] };
  summary: CaseSummary;
}

export async function runCase(
  c: BenchCase,
  repeats: number,
  onProgress?: (msg: string) => void,
): Promise<CaseResult> {
  const baseline: number[] = [];
  const subject: number[] = [];
  for (let i = 0; i < repeats; i++) {
    // Swap the order on odd repeats so neither side always runs on a warm cache.
    if (i % 2 === 0) {
      baseline.push(await c.baseline.run());
      subject.push(await c.subject.run());
    } else {
      subject.push(await c.subject.run());
      baseline.push(await c.baseline.run());
    }
    onProgress?.(`${c.name} ${i + 1}/${repeats}`);
  }
  return {
    case: c.name,
    unit: c.unit,
    baseline: { label: c.baseline.label, samples: baseline },
    subject: { label: c.subject.label, samples: subject },
    summary: summarize(baseline, subject),
  };
}
