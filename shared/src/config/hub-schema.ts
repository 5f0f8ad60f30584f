// hub.yaml: how the cloud hub listens, stores, detects, cleans and packs. Cleanup settings are
// layered like the edge's: built-in <- cleanup.defaults <- cleanup.cameras.<id> <- schedule window.
import { z } from 'zod';
import {
  byteSize,
  describeValue,
  expected,
  filePath,
  fraction,
  httpUrl,
  id,
  layerObject,
  mqttUrl,
  nonEmptyString,
  number,
  oneOf,
  optionalShape,
  polygonList,
  port,
  positive,
  positiveInt,
  strict,
  timeOfDay,
  timezone,
  topicPrefix,
  uniqueList,
} from './fields.ts';
import type { DeepPartial } from './merge.ts';
import { modelShape } from './model-schema.ts';

const AREA_WHAT = 'an area as a fraction of the frame (0 to 1) or in pixels such as "400px"';

/** A box area limit: a fraction of the frame (number 0..1) or pixels ("400px"). */
export const area = z
  .union([z.number(), z.string()], { error: expected(AREA_WHAT) })
  .superRefine((v, ctx) => {
    const ok = typeof v === 'number' ? v >= 0 && v <= 1 : /^\d+(\.\d+)?\s*px$/.test(v.trim());
    if (!ok)
      ctx.addIssue({ code: 'custom', message: `expected ${AREA_WHAT}, got ${describeValue(v)}` });
  });

/** An area limit in pixels for a frame of the given size. */
export function areaInPixels(limit: number | string, width: number, height: number): number {
  return typeof limit === 'number' ? limit * width * height : Number.parseFloat(limit);
}

const className = nonEmptyString('a class name');

function cleanupShape<P extends boolean>(partial: P) {
  const obj = layerObject(partial);
  return {
    /** Allow-list of detector class names, or "all". */
    classes: z.union([z.literal('all'), uniqueList(className, 'class names')], {
      error: expected('"all" or a list of class names'),
    }),
    /** Detector class name -> label written to COCO (merged key by key across layers). */
    rename: z.record(className, className, {
      error: expected('a mapping of class name to new name'),
    }),
    min_score: fraction,
    /** Per-class minimum score, overriding min_score for that class. */
    class_min_score: z.record(className, fraction, {
      error: expected('a mapping of class name to a score between 0 and 1'),
    }),
    min_area: area,
    max_area: area,
    aspect_ratio: obj(
      { min: positive, max: positive },
      'aspect ratio limits { min, max } (width / height)',
    ),
    masks: polygonList,
    /** IoU for class-aware NMS. */
    nms_iou: fraction,
    /** IoU above which boxes of different classes are treated as duplicates (the higher score stays). */
    duplicate_iou: fraction,
  };
}

const cleanupOverrideShape = cleanupShape(true);

export const hubWindowSchema = strict(
  { from: timeOfDay, to: timeOfDay, ...optionalShape(cleanupOverrideShape) },
  'a schedule window { from: "HH:MM", to: "HH:MM", ...overrides }',
);
const scheduleSchema = z.array(hubWindowSchema, { error: expected('a list of schedule windows') });

type CleanupCore = {
  min_area: number | string;
  max_area: number | string;
  aspect_ratio: { min: number; max: number };
};

function checkCleanup(s: CleanupCore, ctx: z.RefinementCtx) {
  if (
    typeof s.min_area === typeof s.max_area &&
    areaInPixels(s.max_area, 1, 1) < areaInPixels(s.min_area, 1, 1)
  )
    ctx.addIssue({
      code: 'custom',
      path: ['max_area'],
      message: `must be at least min_area (${s.min_area}), got ${s.max_area}`,
    });
  if (s.aspect_ratio.max < s.aspect_ratio.min)
    ctx.addIssue({
      code: 'custom',
      path: ['aspect_ratio', 'max'],
      message: `must be at least aspect_ratio.min (${s.aspect_ratio.min}), got ${s.aspect_ratio.max}`,
    });
}

/** Fully resolved cleanup settings for one camera (schedule not yet applied). */
export const cleanupSettingsSchema = strict({
  ...cleanupShape(false),
  schedule: scheduleSchema,
}).superRefine(checkCleanup);
export type CleanupSettings = z.output<typeof cleanupSettingsSchema>;
export type CleanupWindow = z.output<typeof hubWindowSchema>;
export type CleanupOverrides = DeepPartial<Omit<CleanupSettings, 'schedule'>>;

export const CLEANUP_BUILTIN_DEFAULTS: CleanupSettings = {
  classes: 'all',
  rename: {},
  min_score: 0.3,
  class_min_score: {},
  min_area: 0,
  max_area: 1,
  aspect_ratio: { min: 0.05, max: 20 },
  masks: [],
  nms_iou: 0.5,
  duplicate_iou: 0.9,
  schedule: [],
};

const cleanupLayer = strict(
  { ...optionalShape(cleanupOverrideShape), schedule: scheduleSchema.optional() },
  'cleanup settings',
);

const tls = strict(
  { cert: filePath, key: filePath, ca: filePath.optional() },
  'TLS files { cert, key }',
);

const embeddedBroker = strict(
  {
    host: nonEmptyString('a listen address').default('0.0.0.0'),
    port: port.default(1883),
    /** Optional TLS listener beside the plain one. */
    tls: strict(
      { port: port.default(8883), cert: filePath, key: filePath, ca: filePath.optional() },
      'TLS listener { port, cert, key }',
    ).optional(),
    max_packet_bytes: byteSize.default(256 * 1024),
  },
  'embedded broker settings { port, tls, max_packet_bytes }',
);

const externalBroker = strict(
  {
    url: mqttUrl,
    username: nonEmptyString('a user name').optional(),
    password_file: filePath.optional(),
    /** MQTT 5 shared-subscription group the detection workers join. */
    share_group: id.default('pretag-detectors'),
    /**
     * The ingest client's id. Stable, with a persistent session, so the broker queues device
     * frames while the hub is down; default pretag-hub-ingest-<username or "hub">-<prefix>.
     * Two hubs must never share one.
     */
    client_id: id.optional(),
    /** How long the broker keeps the ingest session (and queues frames) after the hub leaves. */
    session_expiry_s: number('a whole number of seconds between 60 and 4294967295', {
      min: 60,
      max: 0xffff_ffff,
      int: true,
    }).default(86_400),
    /**
     * Detection jobs published to external workers and not yet answered, at most. Size it to
     * the workers' total batch capacity with headroom (workers x concurrency x batch x 2): too
     * low caps detection throughput; jobs beyond what workers finish within a lease are
     * published twice.
     */
    max_outstanding_jobs: number('a whole number of jobs between 1 and 100000', {
      min: 1,
      max: 100_000,
      int: true,
    }).default(64),
  },
  'external broker settings { url, username, password_file, client_id, session_expiry_s, max_outstanding_jobs }',
);

const azureBlob = strict(
  {
    connection_string: nonEmptyString('an Azure Storage connection string').optional(),
    /** File holding the connection string (a mounted Secret), relative to hub.yaml's folder. */
    connection_string_file: filePath.optional(),
    sas_url: httpUrl.optional(),
    container: id.default('frames'),
  },
  'Azure Blob settings { connection_string | connection_string_file | sas_url, container }',
).superRefine((a, ctx) => {
  const set = [a.connection_string, a.connection_string_file, a.sas_url].filter(
    (v) => v !== undefined,
  );
  if (set.length !== 1)
    ctx.addIssue({
      code: 'custom',
      message: 'set exactly one of connection_string, connection_string_file or sas_url',
    });
});

export const hubFileSchema = strict(
  {
    listen: strict({
      host: nonEmptyString('a listen address').default('0.0.0.0'),
      port: port.default(8080),
      tls: tls.optional(),
    }).prefault({}),
    /** Base URL annotators' tools use to open images (COCO exports); defaults to the listen address. */
    public_url: httpUrl.optional(),
    /** Time zone for cleanup schedules, unless the camera's site has its own below. */
    timezone: timezone.default('UTC'),
    sites: z
      .record(id, strict({ timezone }, 'site settings { timezone }'), {
        error: expected('a mapping of site id to { timezone }'),
      })
      .default({}),
    mqtt: strict(
      {
        embedded: embeddedBroker.optional(),
        external: externalBroker.optional(),
        prefix: topicPrefix.default('pretag/v1'),
      },
      'broker settings: { embedded: {...} } or { external: { url } }',
    )
      .superRefine((m, ctx) => {
        if (m.embedded && m.external)
          ctx.addIssue({ code: 'custom', message: 'set only one of embedded or external' });
      })
      .transform((m) =>
        m.external ? m : { ...m, embedded: m.embedded ?? embeddedBroker.parse({}) },
      )
      .prefault({}),
    storage: strict(
      { dir: filePath.default('./data'), db: filePath.default('pretag.db') },
      'storage { dir, db }',
    ).prefault({}),
    blob: strict(
      {
        hub: strict({ dir: filePath.default('blobs') }, 'the hub store { dir }').optional(),
        azure: azureBlob.optional(),
      },
      'a blob store: { hub: { dir } } or { azure: {...} }',
    )
      .superRefine((b, ctx) => {
        if (b.hub && b.azure)
          ctx.addIssue({ code: 'custom', message: 'set only one blob store: hub or azure' });
      })
      .transform((b) => (b.azure ? b : { hub: b.hub ?? { dir: 'blobs' } }))
      .prefault({}),
    detector: strict(
      {
        ...modelShape({ adapter: 'centernet', providers: ['cuda', 'cpu'] }),
        /** Raw detections below this score are dropped before cleanup. */
        min_score: fraction.default(0.05),
        batch: strict({
          max_frames: number('a whole number of frames between 1 and 256', {
            min: 1,
            max: 256,
            int: true,
          }).default(8),
          max_wait_ms: number('a wait in milliseconds between 0 and 60000', {
            min: 0,
            max: 60000,
          }).default(50),
        }).prefault({}),
        concurrency: number('a whole number of workers between 1 and 64', {
          min: 1,
          max: 64,
          int: true,
        }).default(1),
      },
      'detector settings { adapter, file, providers, batch, concurrency }',
    ).prefault({}),
    cleanup: strict({
      defaults: cleanupLayer.prefault({}),
      cameras: z
        .record(id, cleanupLayer, {
          error: expected('a mapping of camera id to cleanup overrides'),
        })
        .default({}),
    }).prefault({}),
    batches: strict({
      group_by: oneOf(['camera-day', 'every-n']).default('camera-day'),
      /** Frames per batch for every-n; the most frames in one batch for camera-day. */
      size: positiveInt.default(500),
    }).prefault({}),
    qa: strict({
      /** Sample size per batch: clamp(ceil(rate x frames), min_per_batch, max_per_batch). */
      rate: fraction.default(0.05),
      min_per_batch: number('a whole number of at least 0', { min: 0, int: true }).default(20),
      max_per_batch: positiveInt.default(200),
      /** Share of the sample taken from hard examples; the rest is stratified and diverse. */
      hard_share: fraction.default(0.5),
      seed: number('a whole number', { int: true }).default(1),
      /** Share of samples two reviewers must review (double review, for reviewer agreement). */
      overlap: fraction.default(0),
    })
      .superRefine((q, ctx) => {
        if (q.max_per_batch < q.min_per_batch)
          ctx.addIssue({
            code: 'custom',
            path: ['max_per_batch'],
            message: `must be at least min_per_batch (${q.min_per_batch})`,
          });
      })
      .prefault({}),
    costs: strict({
      annotation_per_frame_usd: number('a price of at least 0', { min: 0 }).default(0.05),
      review_per_frame_usd: number('a price of at least 0', { min: 0 }).default(0.01),
      compute_per_hour_usd: number('a price of at least 0', { min: 0 }).default(0.1),
      storage_per_gb_month_usd: number('a price of at least 0', { min: 0 }).default(0.02),
      egress_per_gb_usd: number('a price of at least 0', { min: 0 }).default(0),
    }).prefault({}),
    retention: strict({ frames_days: positiveInt.default(30) }).prefault({}),
    /** Model quality from reviews: cells with fewer ground-truth boxes are marked as too few. */
    quality: strict({
      min_reviews: positiveInt.default(30),
      confidence: number('a confidence level between 0.5 and 0.999', {
        min: 0.5,
        max: 0.999,
      }).default(0.95),
    }).prefault({}),
    /** Week-against-week drift: alert when p < alpha and the effect is at least min_effect. */
    drift: strict({
      alpha: number('a significance level above 0 and at most 0.5', { above: 0, max: 0.5 }).default(
        0.01,
      ),
      min_effect: fraction.default(0.1),
      min_count: positiveInt.default(50),
    }).prefault({}),
    /** A candidate model run beside production on a share of frames, never in batches. */
    shadow: strict(
      {
        model: strict(
          modelShape({ adapter: 'nanodet', providers: ['cpu'] }),
          'shadow model settings { adapter, file, classes, providers }',
        ),
        share: fraction.default(0.1),
        min_score: fraction.default(0.05),
      },
      'shadow settings { model: { adapter, file }, share }',
    ).optional(),
    auth: strict({ tokens_file: filePath.optional() }).prefault({}),
  },
  'hub.yaml settings',
);

type HubFile = z.output<typeof hubFileSchema>;

/** A checked hub.yaml: cleanup defaults fully resolved, per-camera overrides as written. */
export type HubConfig = Omit<HubFile, 'cleanup'> & {
  kind: 'hub';
  cleanup: { defaults: CleanupSettings; cameras: HubFile['cleanup']['cameras'] };
};
