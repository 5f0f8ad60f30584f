// The face detector is opened on first use, through the real packaged model (ONNX Runtime).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFaceDetector } from '../../../edge-agent/src/privacy/face-detector.ts';
import { LazyDetector } from '../../../edge-agent/src/privacy/lazy-detector.ts';
import { modelsDir } from '../../../edge-agent/src/pipeline/models.ts';

const empty = mkdtempSync(path.join(tmpdir(), 'lazy-face-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

// A flat grey 64×64 frame: no face in it.
const frame = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };

describe('LazyDetector', () => {
  it('opens the model on the first detect only, and closes it', async () => {
    let opens = 0;
    const face = new LazyDetector(() => {
      opens++;
      return createFaceDetector(path.join(modelsDir(), 'blazeface-back.onnx'), {
        min_face_score: 0.5,
      });
    });
    expect(face.opened).toBe(false);
    expect(opens).toBe(0);
    expect(await face.detect(frame)).toEqual([]);
    expect(await face.detect(frame)).toEqual([]);
    expect(opens).toBe(1);
    await face.close();
    expect(face.opened).toBe(false);
  });

  it('a model that cannot be opened fails each detect with the reason, and is retried', async () => {
    let opens = 0;
    const face = new LazyDetector(() => {
      opens++;
      return createFaceDetector(path.join(empty, 'blazeface-back.onnx'), { min_face_score: 0.5 });
    });
    await expect(face.detect(frame)).rejects.toThrow(/blazeface-back\.onnx/);
    await expect(face.ready()).rejects.toThrow(/blazeface-back\.onnx/);
    expect(opens).toBe(2);
    await face.close(); // nothing opened: no error
  });
});
