// Where calibration frames come from (flags, then PRETAG_CALIBRATION, then the shared media),
// how frames are shared between inputs, and the INT8 − FP32 AP50 arithmetic: hand-computed.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseCalibrationPaths,
  splitFrames,
} from '../../../models/src/int8/calibration-inputs.ts';
import { ap50Delta } from '../../../models/src/int8/delta-step.ts';

const media = '/srv/media';
const env = { PRETAG_MEDIA: media };
const hasMediaVideo = (p: string) => p === path.join(media, 'video');

describe('chooseCalibrationPaths', () => {
  it('takes --calibration first, resolved to absolute paths', () => {
    const r = chooseCalibrationPaths(
      ['cams/a.mp4', '/data/b'],
      { ...env, PRETAG_CALIBRATION: '/x' },
      hasMediaVideo,
    );
    expect(r).toEqual({
      ok: true,
      origin: '--calibration',
      paths: [path.resolve('cams/a.mp4'), '/data/b'],
    });
  });

  it('then PRETAG_CALIBRATION, a path list', () => {
    const r = chooseCalibrationPaths(
      undefined,
      { ...env, PRETAG_CALIBRATION: `/a.mp4${path.delimiter}/frames` },
      hasMediaVideo,
    );
    expect(r).toEqual({ ok: true, origin: 'PRETAG_CALIBRATION', paths: ['/a.mp4', '/frames'] });
  });

  it("then the media folder's videos, when present", () => {
    expect(chooseCalibrationPaths([], env, hasMediaVideo)).toEqual({
      ok: true,
      origin: 'shared media',
      paths: ['/srv/media/video'],
    });
  });

  it('else says how to give frames', () => {
    expect(chooseCalibrationPaths(undefined, env, () => false)).toEqual({
      ok: false,
      reason:
        'INT8 needs calibration frames from your cameras: pretag models build --calibration VIDEO|DIR',
    });
  });
});

describe('splitFrames', () => {
  it('shares frames evenly, earlier inputs taking the remainder', () => {
    expect(splitFrames(64, 3)).toEqual([22, 21, 21]);
    expect(splitFrames(8, 1)).toEqual([8]);
    expect(splitFrames(2, 3)).toEqual([1, 1, 0]);
    expect(splitFrames(5, 0)).toEqual([]);
  });
});

describe('ap50Delta', () => {
  it('is INT8 − FP32 in AP50 points, leaving out classes without an AP (−1)', () => {
    const fp32 = { person: 0.7417, car: 0.4724, bus: -1, keyClasses: 0.7779, allMapped: 0.641 };
    const int8 = { person: 0.7358, car: 0.4238, bus: -1, keyClasses: 0.7675, allMapped: 0.6079 };
    expect(ap50Delta(fp32, int8)).toEqual({
      person: -0.59,
      car: -4.86,
      keyClasses: -1.04,
      allMapped: -3.31,
    });
  });
});
