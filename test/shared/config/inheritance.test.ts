// defaults <- camera <- schedule window: objects merge, lists and scalars replace.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/src/config/load.ts';
import { deepMerge } from '../../../shared/src/config/merge.ts';
import {
  resolveCamera,
  settingsAt,
  cleanupAt,
  resolveCleanup,
} from '../../../shared/src/config/resolve.ts';
import type { EdgeConfig } from '../../../shared/src/config/edge-schema.ts';
import type { HubConfig } from '../../../shared/src/config/hub-schema.ts';

const EDGE = `site: dublin-plant-2
device: orin-07
timezone: Europe/Dublin
hub:
  mqtt: mqtts://hub.example.com:8883
  blob: { azure: { sas_url: "https://acct.blob.core.windows.net/frames?sv=x", container: frames } }
defaults:
  sample_fps: 1
  max_fps: 4
  motion: { threshold: 25, min_area: 0.002 }
  prefilter:
    classes: [person, car, truck, bicycle, motorcycle]
    min_score: 0.35
    min_area: 0.0005
  schedule:
    - { from: "19:00", to: "07:00", prefilter: { min_score: 0.45 }, max_fps: 2 }
  audit_rate: 0.01
  redact_faces: true
cameras:
  dock-door-3:
    url: rtsp://10.0.0.13/stream1
    prefilter: { min_score: 0.3 }
    masks: [[0, 0, 0.2, 0, 0.2, 0.1, 0, 0.1]]
  yard:
    url: /dev/video2
    prefilter: { classes: [person] }
    motion: { threshold: 40 }
    schedule:
      - { from: "22:00", to: "06:00", sample_fps: 0.5, max_fps: 1 }
  plain:
    url: ./clips/test.mp4
`;

function edge(): EdgeConfig {
  const r = parseConfig(EDGE, 'edge.yaml', 'edge');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line} ${e.path} ${e.message}`).join('\n'));
  return r.config;
}

describe('deepMerge', () => {
  it('merges objects key by key and replaces lists and scalars', () => {
    const base = { a: 1, o: { x: 1, y: [1, 2], z: { k: 'v' } }, l: [1, 2, 3] };
    const over = { o: { y: [9], z: { j: 'w' } }, l: [4], a: undefined };
    expect(deepMerge(base, over)).toEqual({
      a: 1,
      o: { x: 1, y: [9], z: { k: 'v', j: 'w' } },
      l: [4],
    });
    expect(base.o.y).toEqual([1, 2]); // inputs untouched
  });
});

describe('resolveCamera', () => {
  it('a camera override of one prefilter key keeps the other inherited keys', () => {
    const c = resolveCamera(edge(), 'dock-door-3');
    expect(c.prefilter.min_score).toBe(0.3);
    expect(c.prefilter.classes).toEqual(['person', 'car', 'truck', 'bicycle', 'motorcycle']);
    expect(c.prefilter.min_area).toBe(0.0005);
    expect(c.masks).toEqual([[0, 0, 0.2, 0, 0.2, 0.1, 0, 0.1]]);
    expect(c.url).toBe('rtsp://10.0.0.13/stream1');
    expect(c.enabled).toBe(true);
  });

  it('a camera class list replaces the inherited list instead of extending it', () => {
    const c = resolveCamera(edge(), 'yard');
    expect(c.prefilter.classes).toEqual(['person']);
    expect(c.motion).toMatchObject({ threshold: 40, min_area: 0.002 });
  });

  it('a camera that sets nothing gets defaults plus built-ins', () => {
    const c = resolveCamera(edge(), 'plain');
    expect(c).toMatchObject({
      sample_fps: 1,
      max_fps: 4,
      audit_rate: 0.01,
      redact_faces: true,
      masks: [],
    });
    expect(c.novelty).toEqual({
      iou: 0.85,
      pixel_diff: 0.02,
      keepalive_s: 60,
      min_gap_s: 4,
      presence_score: 0.2,
      presence_s: 4,
    });
  });

  it('an unknown camera id is a clear error with a suggestion', () => {
    expect(() => resolveCamera(edge(), 'dock-door3')).toThrow(
      /no camera "dock-door3" in the config \(did you mean "dock-door-3"\?\)/,
    );
  });
});

describe('settingsAt', () => {
  // Dublin in January is GMT, so local time equals UTC.
  it('the night window overrides the camera value at night only', () => {
    const cfg = edge();
    const day = settingsAt(cfg, 'dock-door-3', new Date('2026-01-15T12:00:00Z'));
    expect(day.window).toBeUndefined();
    expect(day.settings.prefilter.min_score).toBe(0.3);
    expect(day.settings.max_fps).toBe(4);
    const nightTime = settingsAt(cfg, 'dock-door-3', new Date('2026-01-15T23:00:00Z'));
    expect(nightTime.window).toEqual({ index: 0, from: '19:00', to: '07:00', source: 'defaults' });
    expect(nightTime.settings.prefilter.min_score).toBe(0.45);
    expect(nightTime.settings.prefilter.min_area).toBe(0.0005);
    expect(nightTime.settings.max_fps).toBe(2);
  });

  it('a camera schedule replaces the defaults schedule', () => {
    const cfg = edge();
    // 20:00 local: the defaults window would apply, but yard has its own schedule.
    const evening = settingsAt(cfg, 'yard', new Date('2026-01-15T20:00:00Z'));
    expect(evening.window).toBeUndefined();
    expect(evening.settings.max_fps).toBe(4);
    expect(evening.settings.prefilter.min_score).toBe(0.35);
    const late = settingsAt(cfg, 'yard', new Date('2026-01-15T23:00:00Z'));
    expect(late.window).toEqual({ index: 0, from: '22:00', to: '06:00', source: 'camera' });
    expect(late.settings).toMatchObject({ sample_fps: 0.5, max_fps: 1 });
  });

  it('uses the site time zone: 18:30Z in July is 19:30 in Dublin', () => {
    const s = settingsAt(edge(), 'plain', new Date('2026-07-01T18:30:00Z'));
    expect(s.window?.from).toBe('19:00');
    expect(s.settings.prefilter.min_score).toBe(0.45);
  });

  it('a window that makes a camera invalid is rejected when the file is loaded', () => {
    // The window lowers max_fps to 2, but this camera samples at 3 fps: invalid at night only.
    const text = EDGE.replace(
      '  plain:\n    url: ./clips/test.mp4\n',
      '  plain:\n    url: ./clips/test.mp4\n    sample_fps: 3\n',
    );
    const r = parseConfig(text, 'edge.yaml', 'edge');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // line 16 is the defaults window that sets max_fps: 2
    expect(r.errors).toEqual([
      {
        file: 'edge.yaml',
        line: 16,
        col: 78,
        path: 'defaults.schedule[0].max_fps',
        message:
          'must be at least sample_fps (3), got 2 (in effect for camera "plain" during 19:00-07:00)',
      },
    ]);
  });
});

describe('hub cleanup layers', () => {
  const HUB = `listen: { port: 8080 }
timezone: America/New_York
cleanup:
  defaults:
    classes: [person, car]
    class_min_score: { person: 0.4 }
    min_area: 100px
    schedule: [{ from: "20:00", to: "06:00", min_score: 0.5 }]
  cameras:
    gate-1:
      class_min_score: { car: 0.6 }
      schedule: []
`;
  function hub(): HubConfig {
    const r = parseConfig(HUB, 'hub.yaml', 'hub');
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.line} ${e.path} ${e.message}`).join('\n'));
    return r.config;
  }

  it('per-class thresholds merge; unlisted cameras get the defaults', () => {
    const cfg = hub();
    expect(resolveCleanup(cfg, 'gate-1').class_min_score).toEqual({ person: 0.4, car: 0.6 });
    expect(resolveCleanup(cfg, 'other')).toEqual(cfg.cleanup.defaults);
    expect(cfg.cleanup.defaults.min_score).toBe(0.3); // built-in
  });

  it('applies the window in the hub time zone, and not to a camera that cleared its schedule', () => {
    const cfg = hub();
    const t = new Date('2026-01-16T02:00:00Z'); // 21:00 EST
    expect(cleanupAt(cfg, { camera: 'other' }, t).settings.min_score).toBe(0.5);
    expect(cleanupAt(cfg, { camera: 'gate-1' }, t).settings.min_score).toBe(0.3);
    expect(
      cleanupAt(cfg, { camera: 'other' }, new Date('2026-01-16T00:30:00Z')).window,
    ).toBeUndefined(); // 19:30 EST
  });
});
