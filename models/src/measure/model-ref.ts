// `--model NAME|FILE.onnx`: find the built model and what its card says about feeding it
// (adapter, preprocessing, classes), or take an operator's ONNX file with a named adapter.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DetectorConfigInput } from '@pretag/shared/detector/config';
import { modelCardSchema, type ModelCard } from '../build/card.ts';
import { EvalModelError } from './errors.ts';

export interface ResolvedModel {
  /** Name for reports: the card's name (plus precision for a non-FP32 artifact) or the file's. */
  id: string;
  file: string;
  card?: ModelCard;
  detector: DetectorConfigInput;
}

export interface ModelRefOptions {
  modelsDir: string;
  /** Adapter for a bare ONNX file (a built model's card names its own). */
  adapter?: string;
  /** Minimum score kept; mAP wants low (0.05), a deployment wants its operating point. */
  scoreThreshold: number;
}

/** Cards in the models folder, by name; unreadable cards are skipped. */
export function readCards(modelsDir: string): ModelCard[] {
  if (!existsSync(modelsDir)) return [];
  const cards: ModelCard[] = [];
  for (const f of readdirSync(modelsDir).sort()) {
    if (!f.endsWith('.card.json')) continue;
    try {
      const parsed = modelCardSchema.safeParse(
        JSON.parse(readFileSync(path.join(modelsDir, f), 'utf8')),
      );
      if (parsed.success) cards.push(parsed.data);
    } catch {
      // A half-written or hand-edited card is not a model we can name.
    }
  }
  return cards;
}

/** The detector config that feeds an artifact exactly as its card describes. */
export function detectorConfigFromCard(
  card: ModelCard,
  file: string,
  scoreThreshold: number,
): DetectorConfigInput {
  const { shape, layout } = card.input;
  const [h, w] = layout === 'NHWC' ? [shape[1], shape[2]] : [shape[2], shape[3]];
  if (!h || !w || h <= 0 || w <= 0)
    throw new EvalModelError(
      `${card.name}: card input shape [${shape.join(',')}] has no fixed size`,
    );
  const p = card.preprocessing;
  return {
    id: path.basename(file, '.onnx'),
    adapter: card.adapter,
    file,
    classes: [...card.classes],
    input: {
      width: w,
      height: h,
      resize: p.resize,
      channelOrder: p.color === 'RGB' ? 'rgb' : 'bgr',
      layout: layout === 'NHWC' ? 'nhwc' : 'nchw',
      scale: 1,
      mean: [p.mean[0] ?? 0, p.mean[1] ?? 0, p.mean[2] ?? 0],
      std: [p.std[0] ?? 1, p.std[1] ?? 1, p.std[2] ?? 1],
    },
    scoreThreshold,
    session: { providers: ['cpu'] },
  };
}

function fromCard(card: ModelCard, file: string, opts: ModelRefOptions): ResolvedModel {
  const artifact = card.artifacts.find((a) => a.file === path.basename(file));
  const id =
    artifact && artifact.precision !== 'fp32' ? `${card.name} ${artifact.precision}` : card.name;
  return { id, file, card, detector: detectorConfigFromCard(card, file, opts.scoreThreshold) };
}

function unknownModel(ref: string, cards: readonly ModelCard[], modelsDir: string): EvalModelError {
  const built = cards.map((c) => c.name);
  return new EvalModelError(
    built.length
      ? `unknown model "${ref}"; built models in ${modelsDir}: ${built.join(', ')} (\`pretag models build\` builds the packaged ones; or pass an .onnx file with --adapter)`
      : `unknown model "${ref}": no models are built in ${modelsDir}; run \`pretag models build\` first (or pass an .onnx file with --adapter)`,
  );
}

/**
 * NAME is a card name (its FP32 artifact) or an artifact's base name ("nanodet.int8"); a path
 * ending in .onnx is a file, described by the card that lists it or else by --adapter.
 */
export function resolveModel(ref: string, opts: ModelRefOptions): ResolvedModel {
  const cards = readCards(opts.modelsDir);
  if (ref.endsWith('.onnx')) {
    const file = path.resolve(ref);
    if (!existsSync(file)) throw new EvalModelError(`model file ${file} does not exist`);
    const owner = cards.find(
      (c) =>
        path.dirname(file) === path.resolve(opts.modelsDir) &&
        c.artifacts.some((a) => a.file === path.basename(file)),
    );
    if (owner && !opts.adapter) return fromCard(owner, file, opts);
    if (!opts.adapter)
      throw new EvalModelError(
        `${file} is not a built model with a card; name its adapter with --adapter (nanodet, centernet, yolo, torchvision-fasterrcnn)`,
      );
    return {
      id: path.basename(file, '.onnx'),
      file,
      detector: {
        adapter: opts.adapter,
        file,
        scoreThreshold: opts.scoreThreshold,
        session: { providers: ['cpu'] },
      },
    };
  }
  const byName = cards.find((c) => c.name === ref);
  const artifactOwner = cards.find((c) => c.artifacts.some((a) => a.file === `${ref}.onnx`));
  const card = byName ?? artifactOwner;
  if (!card) throw unknownModel(ref, cards, opts.modelsDir);
  const fileName = byName ? (card.artifacts[0]?.file ?? `${card.name}.onnx`) : `${ref}.onnx`;
  const file = path.join(opts.modelsDir, fileName);
  if (!existsSync(file))
    throw new EvalModelError(
      `model "${ref}": its card names ${fileName}, which is missing from ${opts.modelsDir}; run \`pretag models build\``,
    );
  return fromCard(card, file, opts);
}
