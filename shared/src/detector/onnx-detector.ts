// A Detector backed by an ONNX Runtime session and a named adapter.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { COCO80_NAMES } from '../coco/categories.ts';
import type { Detection } from '../detection/types.ts';
import type { Logger } from '../log/logger.ts';
import { getAdapter } from './adapters/index.ts';
import type { DetectorAdapter, RawOutputs } from './adapters/adapter.ts';
import { TORCHVISION_COCO91 } from './adapters/torchvision-fasterrcnn.ts';
import { detectorConfigSchema, type DetectorConfig, type DetectorConfigInput } from './config.ts';
import { prepareInput } from './image.ts';
import { boxToOriginal } from './preprocess.ts';
import { createSession } from './session.ts';
import type { DecodedImage, Detector, DetectorInfo, InputSpec } from './types.ts';

export interface CreateDetectorOptions {
  /** Folder that relative `file` / `classesFile` paths resolve against (the config file's folder). */
  baseDir?: string;
  logger?: Pick<Logger, 'warn'>;
}

/** Build a detector from an edge.yaml / hub.yaml entry. Bad config throws one readable error. */
export async function createDetector(
  config: DetectorConfigInput,
  opts: CreateDetectorOptions = {},
): Promise<Detector> {
  const parsed = detectorConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new Error(`invalid detector config:\n${z.prettifyError(parsed.error)}`);
  const cfg = parsed.data;
  const adapter = getAdapter(cfg.adapter);
  const resolve = (p: string) => path.resolve(opts.baseDir ?? process.cwd(), p);
  const file = resolve(cfg.file);
  const classes = await resolveClasses(cfg, adapter, resolve);
  const input: InputSpec = { ...adapter.defaultInput, ...cfg.input };
  const created = await createSession(file, cfg.session ?? {}, opts.logger);
  const { session } = created;
  const inputName = session.inputNames[0];
  if (session.inputNames.length !== 1 || inputName === undefined) {
    await session.release();
    throw new Error(
      `${file}: expected one input, the model has ${session.inputNames.length}: ${session.inputNames.join(', ')}`,
    );
  }
  const info: DetectorInfo = {
    modelId: cfg.id ?? path.basename(file, path.extname(file)),
    adapter: adapter.name,
    file,
    input,
    inputName,
    outputNames: [...session.outputNames],
    classes,
    providersRequested: created.providersRequested,
    providersUsed: created.providersUsed,
  };
  return new OnnxDetector(session, adapter, info, cfg);
}

async function resolveClasses(
  cfg: DetectorConfig,
  adapter: DetectorAdapter,
  resolve: (p: string) => string,
): Promise<readonly string[]> {
  if (cfg.classes && cfg.classesFile)
    throw new Error('detector config: give either classes or classesFile, not both');
  if (cfg.classes === 'coco80') return COCO80_NAMES;
  if (cfg.classes === 'torchvision91') return TORCHVISION_COCO91;
  if (cfg.classes) return cfg.classes;
  if (cfg.classesFile) {
    const text = await readFile(resolve(cfg.classesFile), 'utf8');
    const names = text.split(/\r?\n/).map((l) => l.trim());
    while (names.at(-1) === '') names.pop();
    if (names.length === 0) throw new Error(`classes file ${cfg.classesFile} is empty`);
    return names;
  }
  return adapter.defaultClasses;
}

class OnnxDetector implements Detector {
  readonly info: DetectorInfo;
  #session: ort.InferenceSession;
  #adapter: DetectorAdapter;
  #cfg: DetectorConfig;
  #tensor: Float32Array | undefined;
  #tensorBusy = false;

  constructor(
    session: ort.InferenceSession,
    adapter: DetectorAdapter,
    info: DetectorInfo,
    cfg: DetectorConfig,
  ) {
    this.#session = session;
    this.#adapter = adapter;
    this.info = info;
    this.#cfg = cfg;
  }

  async detect(image: DecodedImage | Buffer): Promise<Detection[]> {
    // One input buffer per detector, reused while no other detect() is using it: a fresh 2 MB
    // tensor per frame kept the garbage collector busy on the edge. ORT reads it during run()
    // and keeps no reference.
    const reuse = !this.#tensorBusy;
    if (reuse) this.#tensorBusy = true;
    let outputs: RawOutputs;
    let prepared;
    try {
      prepared = await prepareInput(image, this.info.input, reuse ? this.#tensorOf : undefined);
      const feeds = {
        [this.info.inputName]: new ort.Tensor('float32', prepared.data, prepared.dims),
      };
      outputs = (await this.#session.run(feeds)) as RawOutputs;
    } finally {
      if (reuse) this.#tensorBusy = false;
    }
    const { plan } = prepared;
    const dets = this.#adapter.decode(outputs, {
      classes: this.info.classes,
      scoreThreshold: this.#cfg.scoreThreshold ?? this.#adapter.defaultScoreThreshold,
      iouThreshold: this.#cfg.iouThreshold ?? this.#adapter.defaultIouThreshold,
      maxDetections: this.#cfg.maxDetections,
      inputWidth: plan.tensorWidth,
      inputHeight: plan.tensorHeight,
    });
    return dets
      .map((d) => ({ ...d, box: boxToOriginal(d.box, plan.transform) }))
      .filter((d) => d.box[2] > d.box[0] && d.box[3] > d.box[1]);
  }

  #tensorOf = (length: number): Float32Array =>
    this.#tensor?.length === length ? this.#tensor : (this.#tensor = new Float32Array(length));

  /** One run per image: the packaged models have a fixed batch of 1. */
  async detectBatch(images: readonly (DecodedImage | Buffer)[]): Promise<Detection[][]> {
    const out: Detection[][] = [];
    for (const img of images) out.push(await this.detect(img));
    return out;
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
