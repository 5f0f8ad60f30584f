// Every bad input must come back as errors naming the line, the key path and what was expected.
// Line and column numbers below were counted by hand in the fixtures.
import { describe, expect, it } from 'vitest';
import { formatConfigError } from '../../../shared/src/config/errors.ts';
import { parseConfig, type ConfigKind } from '../../../shared/src/config/load.ts';

// Lines 1-5 of every edge fixture; the case's own lines start at line 6.
const HEAD = `site: s1
device: d1
hub:
  mqtt: mqtt://hub:1883
  blob: { hub: { url: http://hub:8080 } }
`;
const CAMERA = `cameras:
  cam-1:
    url: rtsp://10.0.0.1/s
`;

interface Case {
  name: string;
  kind?: ConfigKind;
  text: string;
  /** Expected errors, in file order: line, column (when checked), key path and message. */
  errors: Array<{ line: number; col?: number; path: string; message: string | RegExp }>;
}

const cases: Case[] = [
  {
    name: 'malformed YAML: unclosed flow list',
    text: `${HEAD}${CAMERA}defaults:\n  prefilter:\n    classes: [person, car\n  audit_rate: 0.1\n`,
    // line 9 defaults, 10 prefilter, 11 classes (never closed), 12 the next key
    errors: [{ line: 12, col: 3, path: '', message: /^YAML syntax: / }],
  },
  {
    name: 'bad indentation: a key one space short',
    text: `${HEAD}${CAMERA}   enabled: true\n`,
    errors: [
      {
        line: 9,
        col: 1,
        path: '',
        message: 'YAML syntax: All mapping items must start at the same column',
      },
    ],
  },
  {
    name: 'tab used for indentation',
    text: `${HEAD}${CAMERA}defaults:\n\tsample_fps: 2\n`,
    errors: [
      {
        line: 10,
        col: 1,
        path: '',
        message: 'YAML syntax: tabs are not allowed for indentation in YAML; indent with spaces',
      },
    ],
  },
  {
    name: 'duplicate key',
    text: `${HEAD}${CAMERA}site: s2\n`,
    errors: [
      {
        line: 9,
        col: 1,
        path: '',
        message: 'YAML syntax: duplicate key "site": a key may appear only once in a mapping',
      },
    ],
  },
  {
    name: 'wrong type: word where a number is expected (the example from the design notes)',
    text: `${HEAD}cameras:\n  dock-door-3:\n    url: rtsp://10.0.0.13/stream1\n    prefilter: { min_score: high }\n`,
    errors: [
      {
        line: 9,
        col: 29,
        path: 'cameras.dock-door-3.prefilter.min_score',
        message: 'expected a number between 0 and 1, got "high"',
      },
    ],
  },
  {
    name: 'wrong type: yes is a string in YAML 1.2, not a boolean',
    text: `${HEAD}${CAMERA}defaults:\n  redact_faces: yes\n`,
    errors: [
      {
        line: 10,
        col: 17,
        path: 'defaults.redact_faces',
        message: 'expected true or false, got "yes"',
      },
    ],
  },
  {
    name: 'wrong type: a list where a mapping is expected',
    text: `${HEAD}${CAMERA}defaults:\n  motion: [25, 0.002]\n`,
    errors: [
      {
        line: 10,
        col: 11,
        path: 'defaults.motion',
        message: /^expected a mapping of settings \(key: value lines\), got a list of 2 items$/,
      },
    ],
  },
  {
    name: 'out of range: score above 1',
    text: `${HEAD}${CAMERA}    prefilter: { min_score: 1.5 }\n`,
    errors: [
      {
        line: 9,
        col: 29,
        path: 'cameras.cam-1.prefilter.min_score',
        message: 'expected a number between 0 and 1, got 1.5',
      },
    ],
  },
  {
    name: 'out of range: zero frame rate',
    text: `${HEAD}${CAMERA}defaults: { sample_fps: 0 }\n`,
    errors: [
      {
        line: 9,
        col: 25,
        path: 'defaults.sample_fps',
        message: 'expected a frame rate above 0 and at most 60, got 0',
      },
    ],
  },
  {
    name: 'out of range: max_fps below the camera sample_fps, max_fps inherited from defaults',
    text: `${HEAD}defaults:\n  max_fps: 3\ncameras:\n  cam-1:\n    url: rtsp://10.0.0.1/s\n    sample_fps: 4\n`,
    // line 7 is defaults.max_fps, where the value in force for cam-1 is written
    errors: [
      {
        line: 7,
        col: 12,
        path: 'defaults.max_fps',
        message: 'must be at least sample_fps (4), got 3 (in effect for camera "cam-1")',
      },
    ],
  },
  {
    name: 'unknown key with a did-you-mean',
    text: `${HEAD}${CAMERA}    prefilter: { min_scor: 0.3 }\n`,
    errors: [
      {
        line: 9,
        col: 18,
        path: 'cameras.cam-1.prefilter.min_scor',
        message: 'unknown key "min_scor" (did you mean "min_score"?)',
      },
    ],
  },
  {
    name: 'unknown keys at several levels, one without a close match',
    text: `${HEAD}${CAMERA}    sample_fsp: 2\n    colour: red\n`,
    errors: [
      {
        line: 9,
        col: 5,
        path: 'cameras.cam-1.sample_fsp',
        message: 'unknown key "sample_fsp" (did you mean "sample_fps"?)',
      },
      { line: 10, col: 5, path: 'cameras.cam-1.colour', message: 'unknown key "colour"' },
    ],
  },
  {
    name: 'bad ids: "/" in the site, "+" in the device, "#" in a camera id',
    text: `site: plant/2\ndevice: orin+7\nhub:\n  mqtt: mqtt://hub:1883\n  blob: { hub: { url: http://hub:8080 } }\ncameras:\n  dock#3:\n    url: rtsp://x/y\n`,
    errors: [
      { line: 1, col: 7, path: 'site', message: `id "plant/2" contains '/', '+', '#' or NUL` },
      { line: 2, col: 9, path: 'device', message: `id "orin+7" contains '/', '+', '#' or NUL` },
      {
        line: 7,
        col: 3,
        path: 'cameras.dock#3',
        message: `id "dock#3" contains '/', '+', '#' or NUL`,
      },
    ],
  },
  {
    name: 'unknown COCO class, with and without a close match',
    text: `${HEAD}${CAMERA}defaults:\n  prefilter:\n    classes: [persn, forklift]\n`,
    errors: [
      {
        line: 11,
        col: 15,
        path: 'defaults.prefilter.classes[0]',
        message: 'unknown COCO class "persn" (did you mean "person"?)',
      },
      {
        line: 11,
        col: 22,
        path: 'defaults.prefilter.classes[1]',
        message: 'unknown COCO class "forklift"',
      },
    ],
  },
  {
    name: 'overlapping schedule windows name both windows',
    text: `timezone: Europe/Dublin\n${HEAD}${CAMERA}defaults:\n  schedule:\n    - { from: "19:00", to: "07:00" }\n    - { from: "06:00", to: "08:00" }\n`,
    // timezone pushes HEAD to lines 2-6, CAMERA to 7-9; defaults 10, schedule 11, windows 12 and 13
    errors: [
      {
        line: 13,
        col: 15,
        path: 'defaults.schedule[1].from',
        message:
          'window 06:00-08:00 (schedule[1]) overlaps window 19:00-07:00 (schedule[0]); windows in one schedule must not overlap',
      },
    ],
  },
  {
    name: 'a window whose start equals its end',
    text: `timezone: UTC\n${HEAD}${CAMERA}    schedule: [{ from: "12:00", to: "12:00" }]\n`,
    errors: [
      {
        line: 10,
        col: 37,
        path: 'cameras.cam-1.schedule[0].to',
        message: 'must differ from "from" (12:00); a window needs a start and a different end',
      },
    ],
  },
  {
    name: 'a time of day that is not HH:MM',
    text: `timezone: UTC\n${HEAD}${CAMERA}    schedule: [{ from: "7pm", to: "07:00" }]\n`,
    errors: [
      {
        line: 10,
        col: 24,
        path: 'cameras.cam-1.schedule[0].from',
        message: 'expected a time of day "HH:MM" between "00:00" and "24:00", got "7pm"',
      },
    ],
  },
  {
    name: 'bad time zone',
    text: `timezone: Europe/Dublim\n${HEAD}${CAMERA}`,
    errors: [
      {
        line: 1,
        col: 11,
        path: 'timezone',
        message:
          'unknown time zone "Europe/Dublim" (did you mean "Europe/Dublin"?); expected an IANA name such as "Europe/Dublin" or "America/New_York"',
      },
    ],
  },
  {
    name: 'schedule without a time zone',
    text: `${HEAD}${CAMERA}defaults:\n  schedule: [{ from: "19:00", to: "07:00" }]\n`,
    errors: [{ line: 1, col: 1, path: 'timezone', message: /^is required when a schedule is set/ }],
  },
  {
    name: 'camera without url points at the camera',
    text: `${HEAD}cameras:\n  cam-1:\n    enabled: true\n`,
    errors: [
      {
        line: 7,
        col: 3,
        path: 'cameras.cam-1.url',
        message: /^is required \(expected an rtsp:\/\/ URL/,
      },
    ],
  },
  {
    name: 'camera url with the wrong scheme',
    text: `${HEAD}cameras:\n  cam-1:\n    url: http://10.0.0.1/mjpeg\n`,
    errors: [{ line: 8, col: 10, path: 'cameras.cam-1.url', message: /got a http:\/\/ URL$/ }],
  },
  {
    name: 'MQTT URL with the wrong scheme',
    text: `site: s1\ndevice: d1\nhub:\n  mqtt: http://hub:1883\n  blob: { hub: { url: http://hub:8080 } }\n${CAMERA}`,
    errors: [
      {
        line: 4,
        col: 9,
        path: 'hub.mqtt',
        message: /^expected an MQTT URL .* got "http:\/\/hub:1883"$/,
      },
    ],
  },
  {
    name: 'a mask polygon with only two points',
    text: `${HEAD}${CAMERA}    masks: [[0, 0, 1, 1]]\n`,
    errors: [
      {
        line: 9,
        col: 13,
        path: 'cameras.cam-1.masks[0]',
        message: /at least 3 points.*got 4 numbers$/,
      },
    ],
  },
  {
    name: 'a mask coordinate outside the frame',
    text: `${HEAD}${CAMERA}    masks: [[0, 0, 1.2, 0, 1, 1]]\n`,
    errors: [
      {
        line: 9,
        col: 20,
        path: 'cameras.cam-1.masks[0][2]',
        message: 'expected a coordinate between 0 and 1 (fraction of the frame), got 1.2',
      },
    ],
  },
  {
    name: 'a byte size that is not one',
    text: `${HEAD}${CAMERA}spool:\n  max_bytes: 2 gigs\n`,
    errors: [
      {
        line: 10,
        col: 14,
        path: 'spool.max_bytes',
        message: /^expected a size in bytes.* got "2 gigs"$/,
      },
    ],
  },
  {
    name: 'empty file',
    text: `# nothing here yet\n`,
    errors: [{ line: 1, col: 1, path: '', message: /^the file is empty/ }],
  },
  {
    name: 'hub: both brokers, an unknown cleanup key, an unknown class name',
    kind: 'hub',
    text: `listen: { port: 8080 }\nmqtt:\n  embedded: { port: 1883 }\n  external: { url: mqtt://broker:1883 }\ncleanup:\n  defaults:\n    min_scor: 0.3\n`,
    errors: [
      { line: 3, col: 3, path: 'mqtt', message: 'set only one of embedded or external' },
      {
        line: 7,
        col: 5,
        path: 'cleanup.defaults.min_scor',
        message: 'unknown key "min_scor" (did you mean "min_score"?)',
      },
    ],
  },
  {
    name: 'hub: a per-class threshold for a class the detector does not have',
    kind: 'hub',
    text: `listen: { port: 8080 }\ncleanup:\n  cameras:\n    gate-1:\n      class_min_score: { preson: 0.5 }\n`,
    errors: [
      {
        line: 5,
        col: 26,
        path: 'cleanup.cameras.gate-1.class_min_score.preson',
        message: `unknown class "preson" (did you mean "person"?); the detector's classes are COCO's 80`,
      },
    ],
  },
  {
    name: 'hub: a pixel area written wrongly and a port out of range',
    kind: 'hub',
    text: `listen: { port: 80800 }\ncleanup:\n  defaults:\n    min_area: 100 pixels\n`,
    errors: [
      {
        line: 1,
        col: 17,
        path: 'listen.port',
        message: 'expected a port number between 1 and 65535, got 80800',
      },
      {
        line: 4,
        col: 15,
        path: 'cleanup.defaults.min_area',
        message: /^expected an area .* got "100 pixels"$/,
      },
    ],
  },
  {
    name: 'hub: Azure connection string given both inline and as a file',
    kind: 'hub',
    text: `listen: { port: 8080 }\nblob:\n  azure:\n    connection_string: UseDevelopmentStorage=true\n    connection_string_file: azure.txt\n`,
    // the error sits on blob.azure's mapping, which starts at line 4 column 5
    errors: [
      {
        line: 4,
        col: 5,
        path: 'blob.azure',
        message: 'set exactly one of connection_string, connection_string_file or sas_url',
      },
    ],
  },
  {
    name: 'hub: Azure connection string file and SAS URL together',
    kind: 'hub',
    text: `blob:\n  azure: { connection_string_file: a.txt, sas_url: "https://a.blob.core.windows.net/f?sv=x" }\n`,
    // "  azure: {": the flow mapping opens at column 10
    errors: [
      {
        line: 2,
        col: 10,
        path: 'blob.azure',
        message: 'set exactly one of connection_string, connection_string_file or sas_url',
      },
    ],
  },
  {
    name: 'hub: Azure with no credentials at all',
    kind: 'hub',
    text: `listen: { port: 8080 }\nblob:\n  azure: { container: frames }\n`,
    errors: [
      {
        line: 3,
        col: 10,
        path: 'blob.azure',
        message: 'set exactly one of connection_string, connection_string_file or sas_url',
      },
    ],
  },
];

describe('config errors name file, line, column and key path', () => {
  it.each(cases)('$name', ({ text, kind, errors }) => {
    const r = parseConfig(text, 'edge.yaml', kind);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(errors.map((e) => e.path));
    r.errors.forEach((got, i) => {
      const want = errors[i];
      if (!want) return;
      expect(got.file).toBe('edge.yaml');
      expect(got.line).toBe(want.line);
      if (want.col !== undefined) expect(got.col).toBe(want.col);
      if (typeof want.message === 'string') expect(got.message).toBe(want.message);
      else expect(got.message).toMatch(want.message);
    });
  });

  it('formats an error as file:line:col key.path: message', () => {
    const example = cases.find((c) => c.name.includes('the example from the design notes'));
    const r = parseConfig(example?.text ?? '', 'edge.yaml', 'edge');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatConfigError)).toEqual([
      'edge.yaml:9:29 cameras.dock-door-3.prefilter.min_score: expected a number between 0 and 1, got "high"',
    ]);
  });

  it('accepts an Azure connection string file alone, kept as the path written', () => {
    const r = parseConfig(
      `blob:\n  azure: { connection_string_file: secrets/azure.txt }\n`,
      'hub.yaml',
      'hub',
    );
    expect(r.ok).toBe(true);
    if (r.ok && 'listen' in r.config)
      expect(r.config.blob.azure).toEqual({
        connection_string_file: 'secrets/azure.txt',
        container: 'frames',
      });
  });

  it('refuses to guess the kind of a file with neither edge nor hub keys', () => {
    const r = parseConfig('site: s1\n', 'x.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]?.message).toMatch(/cannot tell whether this is an edge\.yaml .* --kind/);
  });

  it('accepts a minimal edge file and fills in the documented defaults', () => {
    const r = parseConfig(`${HEAD}${CAMERA}`, 'edge.yaml', 'edge');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.timezone).toBe('UTC');
    expect(r.config.defaults.sample_fps).toBe(1);
    expect(r.config.defaults.max_fps).toBe(4);
    expect(r.config.defaults.audit_rate).toBe(0.01);
    expect(r.config.defaults.redact_faces).toBe(true);
    expect(r.config.spool.max_bytes).toBe(2 * 1024 ** 3);
    expect(r.config.spool.max_age).toBe(7 * 24 * 3600);
    expect(r.config.hub.prefix).toBe('pretag/v1');
  });

  it('reads byte sizes and durations the way an operator writes them', () => {
    const r = parseConfig(
      `${HEAD}${CAMERA}spool: { max_bytes: 500MB, max_age: 12h }\n`,
      'edge.yaml',
      'edge',
    );
    expect(r.ok && r.config.spool).toMatchObject({ max_bytes: 500_000_000, max_age: 43_200 });
    const r2 = parseConfig(
      `${HEAD}${CAMERA}spool: { max_bytes: 1.5 KiB, max_age: 90 }\n`,
      'edge.yaml',
      'edge',
    );
    expect(r2.ok && r2.config.spool).toMatchObject({ max_bytes: 1536, max_age: 90 });
  });

  it('a section left empty (all lines commented out) takes its defaults', () => {
    const r = parseConfig(`${HEAD}${CAMERA}health:\n  # port: 9000\n`, 'edge.yaml', 'edge');
    expect(r.ok && r.config.health.port).toBe(9464);
  });
});
