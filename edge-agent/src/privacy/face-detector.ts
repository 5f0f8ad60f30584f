// The face detector redaction uses: the packaged BlazeFace model through the shared adapters, with
// its score bar at the redaction's min_face_score so no face the options want is dropped earlier.
import type { SessionConfigInput } from '@pretag/shared/detector/providers';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { Detector } from '@pretag/shared/detector/types';
import type { RedactionOptions } from './options.ts';

/** `file` is the converted model, e.g. models/build/blazeface-back.onnx. */
export function createFaceDetector(
  file: string,
  options: Pick<RedactionOptions, 'min_face_score'>,
  session?: SessionConfigInput,
): Promise<Detector> {
  return createDetector({
    adapter: 'blazeface',
    file,
    scoreThreshold: options.min_face_score,
    ...(session && { session }),
  });
}
