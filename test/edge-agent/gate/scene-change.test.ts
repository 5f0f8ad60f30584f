// Scene change on real footage: people walking must not count, a knocked camera or a cut must.
// The "knock" is made independently of the code under test: ffmpeg crops 80 % of the picture at
// the top-left corner, then at an offset of 10 % of the width and height.
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameGate } from '../../../edge-agent/src/gate/frame-gate.ts';
import { GateInputError } from '../../../edge-agent/src/gate/gray-frame.ts';
import {
  SceneChangeDetector,
  sceneDescriptor,
  sceneDistance,
} from '../../../edge-agent/src/gate/scene-change.ts';
import { needMedia } from '../../helpers/media.ts';
import { decodeGray } from './decode-gray.ts';
import type { DecodedFrame } from './decode-gray.ts';
import { frameWith, mapPixels } from './synthetic.ts';

const CONFIG = { threshold: 0.35 };
const CROP_A = 'crop=iw*0.8:ih*0.8:0:0';
const CROP_B = 'crop=iw*0.8:ih*0.8:iw*0.1:ih*0.1';
const changedAt = (frames: { data: Uint8Array; width: number; height: number }[]) => {
  const det = new SceneChangeDetector(CONFIG);
  return frames.flatMap((f, i) => (det.update(f).changed ? [i] : []));
};

describe('scene descriptor', () => {
  const texture = frameWith(64, 48, (x, y) => 40 + ((x * 5 + y * 11) % 150));

  it('puts a frame at distance 0 from itself and from a dimmer copy of itself', () => {
    const d = sceneDescriptor(texture);
    expect(sceneDistance(d, sceneDescriptor(texture))).toBeCloseTo(0, 6);
    expect(sceneDistance(d, sceneDescriptor(mapPixels(texture, (v) => v * 0.6 + 10)))).toBeLessThan(
      0.01,
    );
  });

  it('puts a negative at distance 1', () => {
    const d = sceneDescriptor(texture);
    expect(sceneDistance(d, sceneDescriptor(mapPixels(texture, (v) => 255 - v)))).toBeCloseTo(1, 6);
  });

  it('rejects an unusable frame with the reason', () => {
    expect(() => sceneDescriptor({ width: 4, height: 4, data: new Uint8Array(15) })).toThrow(
      GateInputError,
    );
  });
});

const m = needMedia(
  'video/indoor-one-by-one-person.mp4',
  'video/campus-pedestrians-vtest.avi',
  'video/warehouse-worker-zone.mp4',
);
const [indoor = '', campus = '', warehouse = ''] = m.paths;

describe.skipIf(!m.ok)('SceneChangeDetector on real video', () => {
  let indoorFrames: DecodedFrame[] = [];
  beforeAll(async () => {
    indoorFrames = await decodeGray(indoor, 2, 320, 180);
  });

  it('never fires while people walk in and out (indoor, 139 s)', () => {
    expect(changedAt(indoorFrames)).toEqual([]);
  });

  it.each([
    ['campus', () => campus],
    ['warehouse', () => warehouse],
  ])('never fires on the %s video', async (_name, file) => {
    expect(changedAt(await decodeGray(file(), 2, 320, 180))).toEqual([]);
  });

  it('fires once, on the second frame after the camera is knocked by 10 %', async () => {
    const before = await decodeGray(indoor, 2, 320, 180, { before: CROP_A, seconds: 30 });
    const after = await decodeGray(indoor, 2, 320, 180, { before: CROP_B, seconds: 30 });
    // Knocked at 10 s, with a person in view; confirmFrames = 2 → accepted on frame 21.
    const frames = [...before.slice(0, 20), ...after.slice(20, 60)];
    expect(changedAt(frames)).toEqual([21]);
  });

  it('fires once on a cut to another camera', async () => {
    const other = await decodeGray(campus, 2, 320, 180, { seconds: 10 });
    expect(changedAt([...indoorFrames.slice(0, 20), ...other.slice(0, 20)])).toEqual([21]);
  });

  it('does not fire when the lights dim to half', () => {
    const frames = indoorFrames
      .slice(0, 40)
      .map((f, i) => (i < 15 ? f : mapPixels(f, (v) => v / 2)));
    expect(changedAt(frames)).toEqual([]);
  });

  it('lets the gate relearn the new view: open on the change, then no global change or motion', async () => {
    // Knocked at 3 s while the room is empty (nobody until 6 s by the hand labels).
    const before = await decodeGray(indoor, 2, 320, 180, { before: CROP_A, seconds: 6 });
    const after = await decodeGray(indoor, 2, 320, 180, { before: CROP_B, seconds: 6 });
    const gate = new FrameGate({
      motion: {
        threshold: 25,
        min_area: 0.002,
        global_change: 0.6,
        learning_rate: 0.05,
        masks: [],
      },
      masks: [],
      scene_change: CONFIG,
    });
    const frames = [...before.slice(0, 6), ...after.slice(6, 12)];
    const results = frames.map((f) => gate.process(f, f.t));
    expect(results.map((r) => r.scene.changed)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(results[7]?.open).toBe(true);
    for (const r of results.slice(8)) {
      expect(r.motion.motion).toBe(false);
      expect(r.motion.globalChange).toBe(false);
    }
  });
});
