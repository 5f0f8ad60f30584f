// Reading the evaluation's JSON files; the checks themselves are in coco-input.ts.
import { readFile } from 'node:fs/promises';
import type { CocoGroundTruth } from './coco-schema.ts';
import { parseDetections, parseGroundTruth, type ParsedDetections } from './coco-input.ts';
import { EvalInputError } from './errors.ts';

export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code;
    throw new EvalInputError(`cannot read ${file}: ${why ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new EvalInputError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function loadGroundTruth(file: string): Promise<CocoGroundTruth> {
  return parseGroundTruth(await readJsonFile(file), file);
}

export async function loadDetections(file: string, gt: CocoGroundTruth): Promise<ParsedDetections> {
  return parseDetections(await readJsonFile(file), gt, file);
}
