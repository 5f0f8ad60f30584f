// edge.yaml: one file per device. Per-camera settings are layered:
// built-in defaults <- `defaults:` <- `cameras.<id>:` <- the schedule window in force.
import { z } from 'zod';
import {
  bool,
  byteSize,
  cocoClassList,
  duration,
  expected,
  filePath,
  fps,
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
} from './fields.ts';
import type { DeepPartial } from './merge.ts';
import { modelSchema } from './model-schema.ts';

/**
 * The settings a camera can inherit and override. Built once in full form (every key required,
 * used for the merged result) and once in override form (every key optional, at every level).
 */
function settingsShape<P extends boolean>(partial: P) {
  const obj = layerObject(partial);
  return {
    /** Base sampling rate; rises towards max_fps while there is activity. */
    sample_fps: fps,
    max_fps: fps,
    motion: obj({
      /** Per-pixel grey-level change (0-255) that counts as motion. */
      threshold: number('a grey-level difference between 1 and 255', {
        min: 1,
        max: 255,
        int: true,
      }),
      /** Smallest changed area, as a fraction of the frame, that counts as motion. */
      min_area: fraction,
      /** Changed share of the frame above which the change is treated as lighting / exposure, not motion. */
      global_change: fraction,
      /** Background running-average weight per sampled frame. */
      learning_rate: fraction,
      /** Regions ignored by the motion gate only. */
      masks: polygonList,
    }),
    scene_change: obj({ threshold: fraction }),
    prefilter: obj({
      classes: cocoClassList,
      min_score: fraction,
      min_area: fraction,
      max_area: fraction,
      aspect_ratio: obj(
        { min: positive, max: positive },
        'aspect ratio limits { min, max } (width / height)',
      ),
      /** If any, a detection counts only when its bottom-centre lies inside one of these polygons. */
      zones: polygonList,
    }),
    novelty: obj({
      /** Detections overlapping the last uploaded frame's by at least this IoU count as the same. */
      iou: fraction,
      /** Mean absolute pixel change (fraction of full scale) below which a frame is a near-copy. */
      pixel_diff: fraction,
      /** Upload at least one frame this often while objects stay in view. */
      keepalive_s: positive,
      /** Least time between two content uploads of a camera: a walking person is not sent every frame. */
      min_gap_s: number('a number of seconds, 0 or more', { min: 0 }),
      /** Detections of a class of interest from this score up (below min_score) show presence. */
      presence_score: fraction,
      /** While something is present, send one frame at least this often (covers every few seconds). */
      presence_s: positive,
    }),
    motion_candidates: obj({
      enabled: bool,
      /** Seconds of sustained, unexplained object-sized motion before a frame is sent. */
      min_s: positive,
      max_per_min: positiveInt,
      /** A region still moving unexplained is sent again after this many seconds. */
      repeat_s: positive,
    }),
    audit_rate: fraction,
    redact_faces: bool,
    /** Ignored regions for everything (motion, detections). */
    masks: polygonList,
  };
}

const fullShape = settingsShape(false);
const overrideShape = settingsShape(true);

/** A time-of-day window: "from" and "to" plus overrides of any setting except the schedule itself. */
export const edgeWindowSchema = strict(
  { from: timeOfDay, to: timeOfDay, ...optionalShape(overrideShape) },
  'a schedule window { from: "HH:MM", to: "HH:MM", ...overrides }',
);
const scheduleSchema = z.array(edgeWindowSchema, { error: expected('a list of schedule windows') });

function checkSettings(
  s: {
    sample_fps: number;
    max_fps: number;
    prefilter: { min_area: number; max_area: number; aspect_ratio: { min: number; max: number } };
  },
  ctx: z.RefinementCtx,
) {
  if (s.max_fps < s.sample_fps)
    ctx.addIssue({
      code: 'custom',
      path: ['max_fps'],
      message: `must be at least sample_fps (${s.sample_fps}), got ${s.max_fps}`,
    });
  if (s.prefilter.max_area < s.prefilter.min_area)
    ctx.addIssue({
      code: 'custom',
      path: ['prefilter', 'max_area'],
      message: `must be at least prefilter.min_area (${s.prefilter.min_area}), got ${s.prefilter.max_area}`,
    });
  const ar = s.prefilter.aspect_ratio;
  if (ar.max < ar.min)
    ctx.addIssue({
      code: 'custom',
      path: ['prefilter', 'aspect_ratio', 'max'],
      message: `must be at least aspect_ratio.min (${ar.min}), got ${ar.max}`,
    });
}

/** Fully resolved settings for one camera at one moment (no schedule applied yet). */
export const edgeSettingsSchema = strict({ ...fullShape, schedule: scheduleSchema }).superRefine(
  checkSettings,
);
export type EdgeSettings = z.output<typeof edgeSettingsSchema>;
export type EdgeWindow = z.output<typeof edgeWindowSchema>;

export const EDGE_BUILTIN_DEFAULTS: EdgeSettings = {
  sample_fps: 1,
  max_fps: 4,
  motion: { threshold: 25, min_area: 0.002, global_change: 0.6, learning_rate: 0.05, masks: [] },
  scene_change: { threshold: 0.35 },
  prefilter: {
    classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'],
    min_score: 0.35,
    min_area: 0.0005,
    max_area: 0.9,
    aspect_ratio: { min: 0.1, max: 10 },
    zones: [],
  },
  novelty: {
    iou: 0.85,
    pixel_diff: 0.02,
    keepalive_s: 60,
    min_gap_s: 4,
    presence_score: 0.2,
    presence_s: 4,
  },
  motion_candidates: { enabled: true, min_s: 2, max_per_min: 12, repeat_s: 4 },
  schedule: [],
  audit_rate: 0.01,
  redact_faces: true,
  masks: [],
};

const HWACCEL = [
  'none',
  'auto',
  'cuda',
  'nvdec',
  'nvmpi',
  'v4l2m2m',
  'vaapi',
  'qsv',
  'videotoolbox',
] as const;

/** rtsp:// (or rtsps://) URL, a /dev/videoN device, or a video file path. */
export const cameraUrl = nonEmptyString(
  'an rtsp:// URL, a /dev/videoN device or a video file path',
).superRefine((s, ctx) => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'rtsp' && scheme !== 'rtsps' && scheme !== 'file')
    ctx.addIssue({
      code: 'custom',
      message: `expected an rtsp:// URL, a /dev/videoN device or a video file path, got a ${scheme}:// URL`,
    });
  else if (scheme === undefined && s.startsWith('/dev/') && !/^\/dev\/video\d+$/.test(s))
    ctx.addIssue({
      code: 'custom',
      message: `expected a V4L2 device such as /dev/video0, got ${JSON.stringify(s)}`,
    });
});

/** What kind of source a camera url names. */
export function sourceKind(cameraUrlValue: string): 'rtsp' | 'v4l2' | 'file' {
  if (/^rtsps?:\/\//i.test(cameraUrlValue)) return 'rtsp';
  if (/^\/dev\/video\d+$/.test(cameraUrlValue)) return 'v4l2';
  return 'file';
}

export const edgeCameraSchema = strict(
  {
    url: cameraUrl,
    enabled: bool.default(true),
    /** ffmpeg hardware decode; on a Jetson with jetson-ffmpeg use "nvmpi". */
    hwaccel: oneOf(HWACCEL).default('none'),
    /** RTSP cameras: seconds without an answer before ffmpeg gives up and the agent reconnects (default 10). */
    rtsp_timeout_s: positive.optional(),
    ...optionalShape(overrideShape),
    /** Replaces (does not extend) the schedule in `defaults`. */
    schedule: scheduleSchema.optional(),
  },
  'a camera: { url: ..., plus any setting from defaults }',
);
export type EdgeCamera = z.output<typeof edgeCameraSchema>;

/** One camera with every setting resolved (defaults <- camera), schedule not yet applied. */
export const resolvedEdgeCameraSchema = strict({
  ...fullShape,
  schedule: scheduleSchema,
  url: cameraUrl,
  enabled: bool,
  hwaccel: oneOf(HWACCEL),
  rtsp_timeout_s: positive.optional(),
}).superRefine(checkSettings);
export type ResolvedEdgeCamera = z.output<typeof resolvedEdgeCameraSchema>;

// Without a connection string or SAS URL here, the SAS comes from the credentials file (the hub
// issues one per device, limited to the device's own blob prefix).
const azureBlob = strict(
  {
    connection_string: nonEmptyString('an Azure Storage connection string').optional(),
    sas_url: httpUrl.optional(),
    container: id.default('frames'),
  },
  'Azure Blob settings { connection_string | sas_url, container }',
).superRefine((a, ctx) => {
  if (a.connection_string !== undefined && a.sas_url !== undefined)
    ctx.addIssue({ code: 'custom', message: 'set only one of connection_string or sas_url' });
});

const blobTarget = strict(
  {
    azure: azureBlob.optional(),
    /** The hub's own store: the edge PUTs JPEGs to the hub's HTTP API with its device token. */
    hub: strict({ url: httpUrl }, 'the hub store { url }').optional(),
  },
  'a blob store: azure, { azure: {...} } or { hub: { url } }',
).superRefine((b, ctx) => {
  if ((b.azure === undefined) === (b.hub === undefined))
    ctx.addIssue({
      code: 'custom',
      message: 'expected exactly one blob store: azure: {...} or hub: { url: ... }',
    });
});

export const edgeHubSchema = strict(
  {
    mqtt: mqttUrl,
    prefix: topicPrefix.default('pretag/v1'),
    /** `blob: azure` is short for `blob: { azure: {} }` (credentials from the credentials file). */
    blob: z.preprocess((v) => (v === 'azure' ? { azure: {} } : v), blobTarget),
    /** The device's MQTT username/password and API token, as written by `pretag hub device add`. */
    credentials: filePath.default('/etc/pretag/credentials.json'),
    stats_interval_s: positive.default(60),
  },
  'the hub connection { mqtt, blob, credentials }',
);

export const edgeFileSchema = strict(
  {
    site: id,
    device: id,
    /** Site time zone for schedules. Required when any schedule window is set. */
    timezone: timezone.optional(),
    hub: edgeHubSchema,
    defaults: strict({
      ...optionalShape(overrideShape),
      schedule: scheduleSchema.optional(),
    }).prefault({}),
    cameras: z
      .record(id, edgeCameraSchema, {
        error: expected('a mapping of camera id to camera settings'),
      })
      .refine((c) => Object.keys(c).length > 0, { error: 'expected at least one camera' }),
    spool: strict({
      dir: filePath.default('/var/lib/pretag/spool'),
      max_bytes: byteSize.default(2 * 2 ** 30),
      max_age: duration.default(7 * 86400),
    }).prefault({}),
    model: modelSchema({ adapter: 'nanodet', providers: ['tensorrt', 'cuda', 'cpu'] }).prefault({}),
    health: strict({
      host: nonEmptyString('a listen address').default('127.0.0.1'),
      port: port.default(9464),
    }).prefault({}),
  },
  'edge.yaml settings',
);

type EdgeFile = z.output<typeof edgeFileSchema>;

/** A checked edge.yaml: `defaults` fully resolved (built-ins filled in), cameras as written. */
export type EdgeConfig = Omit<EdgeFile, 'defaults' | 'timezone'> & {
  kind: 'edge';
  timezone: string;
  defaults: EdgeSettings;
};

/** The override layer type of a camera or window. */
export type EdgeOverrides = DeepPartial<Omit<EdgeSettings, 'schedule'>>;
