// `pretag models build`: converts each catalog model to ONNX, writes its card and a stamp,
// and skips models whose inputs have not changed since the last build.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convertTfjsGraph } from '../convert/convert.ts';
import { CONVERTER_VERSION, ONNX_OPSET } from '../convert/version.ts';
import { loadTfjsGraph, modelFiles } from '../tfjs/graph.ts';
import { modelCardSchema, type ModelCard } from './card.ts';
import { MODEL_CATALOG, renamesOf, type ModelSpec } from './catalog.ts';
import { findSourcePackage } from './paths.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { compareStamp, readStamp, sha256, sha256File, writeStamp } from './stamp.ts';

export interface BuildStepContext {
  spec: ModelSpec;
  outDir: string;
  /** Absolute path of the FP32 ONNX just written. */
  fp32Path: string;
  card: ModelCard;
  progress: ProgressSink;
}

/**
 * A step after conversion, e.g. INT8 quantization or measuring AP50/latency. It may write more
 * files into outDir (listed in the returned card's artifacts) and returns the updated card.
 * `id` should carry a version ("int8@1"): it is part of the stamp, so changing it rebuilds.
 */
export interface BuildStep {
  id: string;
  label: string;
  run(ctx: BuildStepContext): Promise<ModelCard>;
  /** More inputs that decide this step's output (e.g. calibration files' sha256), put in the stamp. */
  stampInputs?(spec: ModelSpec): Promise<Record<string, string>>;
  /** The step's one-line result for the progress display (default "done"). */
  describe?(card: ModelCard): string;
}

export interface BuildOptions {
  outDir: string;
  only?: readonly string[];
  force?: boolean;
  progress?: ProgressSink;
  steps?: readonly BuildStep[];
  catalog?: readonly ModelSpec[];
}

export type BuildResult =
  | {
      name: string;
      status: 'built' | 'up-to-date';
      /** Why it was rebuilt. */
      reason?: string;
      onnxPath: string;
      cardPath: string;
      card: ModelCard;
    }
  | { name: string; status: 'failed'; error: string };

export function selectModels(
  catalog: readonly ModelSpec[],
  only: readonly string[] | undefined,
): ModelSpec[] {
  if (!only?.length) return [...catalog];
  const unknown = only.filter((n) => !catalog.some((m) => m.name === n));
  if (unknown.length)
    throw new Error(
      `unknown model ${unknown.join(', ')}; known: ${catalog.map((m) => m.name).join(', ')}`,
    );
  return catalog.filter((m) => only.includes(m.name));
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function stampOutputs(
  outDir: string,
  files: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(
    files.map((f) => {
      const p = path.join(outDir, f);
      return [f, existsSync(p) ? sha256File(p) : undefined];
    }),
  );
}

async function buildOne(
  spec: ModelSpec,
  opts: BuildOptions,
  label: string,
  steps: readonly BuildStep[],
): Promise<BuildResult> {
  const progress = opts.progress ?? silentProgress;
  const { outDir } = opts;
  const onnxFile = `${spec.name}.onnx`;
  const cardFile = `${spec.name}.card.json`;
  const onnxPath = path.join(outDir, onnxFile);
  const cardPath = path.join(outDir, cardFile);
  const stampPath = path.join(outDir, `${spec.name}.stamp.json`);

  const pkg = findSourcePackage(spec.sourcePackage);
  const files = modelFiles(path.join(pkg.dir, spec.sourceJson));
  const sources = Object.fromEntries(files.map((f) => [path.relative(pkg.dir, f), sha256File(f)]));
  const stepInputs: Record<string, string> = {};
  for (const step of steps) Object.assign(stepInputs, await step.stampInputs?.(spec));
  const wanted = {
    converterVersion: [CONVERTER_VERSION, ...steps.map((s) => s.id)].join('+'),
    sources: { ...sources, [`${pkg.name}@version`]: pkg.version, ...stepInputs },
  };
  const previous = readStamp(stampPath);
  const verdict = opts.force
    ? { rebuild: true as const, reason: 'forced' }
    : compareStamp(previous, wanted, stampOutputs(outDir, Object.keys(previous?.outputs ?? {})));
  if (!verdict.rebuild) {
    const card = modelCardSchema.parse(JSON.parse(readFileSync(cardPath, 'utf8')));
    progress.start(`${label} ${spec.name}`);
    progress.done(`up to date (${onnxFile}, ${card.artifacts[0]?.nodes} nodes)`);
    return { name: spec.name, status: 'up-to-date', onnxPath, cardPath, card };
  }

  progress.start(`${label} ${spec.name}: read`);
  const graph = loadTfjsGraph(files[0] as string);
  const bytesIn = files.reduce((a, f) => a + statSync(f).size, 0);
  progress.done(
    `${files.length} files, ${megabytes(bytesIn)}, ${graph.nodes.length} TF nodes, ${graph.consts.size} constants`,
  );

  progress.start(`${label} ${spec.name}: convert`);
  const result = convertTfjsGraph(graph, {
    graphName: spec.name,
    rename: renamesOf(spec),
    docString: `${spec.name} converted from ${pkg.name}@${pkg.version}/${spec.sourceJson} by pretag`,
    metadata: [
      ['source_package', `${pkg.name}@${pkg.version}`],
      ['source_model', spec.sourceJson],
      ['converter_version', CONVERTER_VERSION],
    ],
    onProgress: (done, total) => progress.update(done / total, `${done}/${total} nodes`),
  });
  progress.done(
    `${result.nodeCount} ONNX nodes, ${result.initializerCount} initializers, ${result.foldedNodes} folded`,
  );

  progress.start(`${label} ${spec.name}: write`);
  mkdirSync(outDir, { recursive: true });
  writeAtomic(onnxPath, result.bytes);
  const onnxSha = sha256(result.bytes);
  progress.done(`${onnxFile} ${megabytes(result.bytes.byteLength)} sha256 ${onnxSha.slice(0, 12)}`);

  const input = result.inputs[0];
  if (!input || result.inputs.length !== 1)
    throw new Error(`${spec.name}: expected exactly one graph input`);
  let card: ModelCard = {
    cardVersion: 1,
    name: spec.name,
    task: spec.task,
    adapter: spec.adapter,
    source: {
      package: pkg.name,
      version: pkg.version,
      files: Object.entries(sources).map(([p, sha]) => ({ path: p, sha256: sha })),
      generatedBy: graph.meta.generatedBy,
      convertedBy: graph.meta.convertedBy,
    },
    converter: { version: CONVERTER_VERSION, opset: ONNX_OPSET, foldedNodes: result.foldedNodes },
    artifacts: [
      {
        file: onnxFile,
        precision: 'fp32',
        bytes: result.bytes.byteLength,
        sha256: onnxSha,
        nodes: result.nodeCount,
        opset: ONNX_OPSET,
      },
    ],
    input: { ...input, shape: [...input.shape], layout: spec.preprocessing.layout },
    preprocessing: {
      color: spec.preprocessing.color,
      resize: spec.preprocessing.resize,
      mean: [...spec.preprocessing.mean],
      std: [...spec.preprocessing.std],
      note: spec.preprocessing.note,
    },
    outputs: result.outputs.map((o) => ({
      ...o,
      shape: [...o.shape],
      meaning: spec.outputs.find((d) => d.name === o.name)?.meaning ?? '',
    })),
    classes: [...spec.classes],
    measurements: {},
  };

  for (const step of steps) {
    progress.start(`${label} ${spec.name}: ${step.label}`);
    card = modelCardSchema.parse(
      await step.run({ spec, outDir, fp32Path: onnxPath, card, progress }),
    );
    progress.done(step.describe?.(card) ?? 'done');
  }

  progress.start(`${label} ${spec.name}: card`);
  writeAtomic(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  progress.done(`${cardFile} (${card.outputs.length} outputs, ${card.classes.length} classes)`);
  const outputs = [cardFile, ...card.artifacts.map((a) => a.file)];
  writeStamp(stampPath, {
    ...wanted,
    outputs: stampOutputs(outDir, outputs) as Record<string, string>,
  });
  return { name: spec.name, status: 'built', reason: verdict.reason, onnxPath, cardPath, card };
}

/** Builds each selected model; one model's failure is reported and does not stop the others. */
export async function buildModels(opts: BuildOptions): Promise<BuildResult[]> {
  const specs = selectModels(opts.catalog ?? MODEL_CATALOG, opts.only);
  const progress = opts.progress ?? silentProgress;
  const results: BuildResult[] = [];
  for (const [i, spec] of specs.entries()) {
    const label = `[${i + 1}/${specs.length}]`;
    try {
      results.push(await buildOne(spec, opts, label, opts.steps ?? []));
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      progress.start(`${label} ${spec.name}`);
      progress.done(`FAILED: ${error}`);
      results.push({ name: spec.name, status: 'failed', error });
    }
  }
  return results;
}
