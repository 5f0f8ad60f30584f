// Frame ids: `{camera}-{capturedAt ms}-{seq}`. The camera id is a valid id (letters, digits, _ -),
// the time makes ids from different runs distinct, the sequence makes them unique within one.
import { frameIdProblem } from '@pretag/shared/blob/keys';

export function frameIdFor(camera: string, capturedAtMs: number, seq: number): string {
  const id = `${camera}-${Math.round(capturedAtMs)}-${seq}`;
  const problem = frameIdProblem(id);
  if (problem) throw new Error(`frame id "${id}" ${problem}`);
  return id;
}
