// Calibration frames → model feeds through the detector adapter's own preprocessing, so the
// ranges are calibrated on exactly the tensors inference will see.
import * as ort from 'onnxruntime-node';
import { getAdapter } from '@pretag/shared/detector/adapters/index';
import { prepareInput } from '@pretag/shared/detector/image';
import type { InputSpec } from '@pretag/shared/detector/types';
import type { ModelCard } from '../build/card.ts';
import { detectorConfigFromCard } from '../measure/model-ref.ts';
import {
  imageFolderCalibrationSource,
  videoCalibrationSource,
  type CalibrationFeeds,
  type CalibrationSource,
  type Preprocess,
} from '../quantize/index.ts';
import { splitFrames, type CalibrationInput } from './calibration-inputs.ts';

/** The input spec a detector built from this card uses (adapter defaults + card overrides). */
export function inputSpecOfCard(card: ModelCard): InputSpec {
  const cfg = detectorConfigFromCard(card, `${card.name}.onnx`, 0.05);
  return { ...getAdapter(card.adapter).defaultInput, ...cfg.input };
}

export function preprocessFor(card: ModelCard): Preprocess {
  const spec = inputSpecOfCard(card);
  return async (rgb) => {
    const p = await prepareInput(rgb, spec);
    return new ort.Tensor('float32', p.data, p.dims);
  };
}

export interface FeedOptions {
  inputs: readonly CalibrationInput[];
  frames: number;
  /** Video sampling rate; default spreads each video's share over its whole duration. */
  fps?: number;
  preprocess: Preprocess;
  /** Called after each frame is fed. */
  onFrame?: (done: number, total: number) => void;
}

/** One source over all inputs, each taking an even share of `frames`. */
export function calibrationSource(opts: FeedOptions): CalibrationSource {
  const shares = splitFrames(opts.frames, opts.inputs.length);
  const parts: CalibrationSource[] = [];
  opts.inputs.forEach((input, i) => {
    const count = shares[i] ?? 0;
    if (count <= 0) return;
    parts.push(
      input.kind === 'video'
        ? videoCalibrationSource({
            files: [input.file],
            count,
            fps: opts.fps,
            preprocess: opts.preprocess,
          })
        : imageFolderCalibrationSource({ dir: input.dir, count, preprocess: opts.preprocess }),
    );
  });
  return {
    label: parts.map((p) => p.label).join('; '),
    async *feeds(): AsyncGenerator<CalibrationFeeds> {
      let done = 0;
      for (const part of parts)
        for await (const feeds of part.feeds()) {
          yield feeds;
          opts.onFrame?.(++done, opts.frames);
        }
    },
  };
}
