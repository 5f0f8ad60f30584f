// Test helper: real grey frames from a real video, decoded by the ffmpeg CLI directly (not by the
// agent's own source, so the gate tests do not depend on it).
import { spawn } from 'node:child_process';
import type { GrayFrame } from '../../../edge-agent/src/gate/gray-frame.ts';

export interface DecodedFrame extends GrayFrame {
  /** Seconds from the start: index / fps (ffmpeg's fps filter emits frames on that grid). */
  t: number;
}

export interface DecodeOptions {
  /** An ffmpeg filter applied before scaling (e.g. a crop that stands in for a moved camera). */
  before?: string;
  /** Decode only the first this many seconds. */
  seconds?: number;
}

/** Every frame of `file` at `fps`, scaled to width × height, 8-bit grey. */
export async function decodeGray(
  file: string,
  fps: number,
  width: number,
  height: number,
  options: DecodeOptions = {},
): Promise<DecodedFrame[]> {
  const { before, seconds } = options;
  const vf = `fps=${fps},${before ? `${before},` : ''}scale=${width}:${height},format=gray`;
  const limit = seconds === undefined ? [] : ['-t', String(seconds)];
  const args = ['-v', 'error', '-nostdin', ...limit, '-i', file, '-vf', vf, '-f', 'rawvideo', '-'];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} exited ${code}: ${stderr}`);
  const all = Buffer.concat(chunks);
  const size = width * height;
  const frames: DecodedFrame[] = [];
  for (let i = 0; i + size <= all.length; i += size) {
    const index = i / size;
    frames.push({ width, height, data: all.subarray(i, i + size), t: index / fps });
  }
  return frames;
}
