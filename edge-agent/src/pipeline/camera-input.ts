// edge.yaml camera → source options. Pure.
// File cameras (a path or file:// URL) are read at their own pace (-re) and looped, so the agent
// treats them like a live camera: handy for demos and tests on a machine without cameras.
import { fileURLToPath } from 'node:url';
import type { ResolvedEdgeCamera } from '@pretag/shared/config/edge-schema';
import { sourceKind } from '@pretag/shared/config/edge-schema';
import { probeVideo } from '../sources/index.ts';
import type { SourceOptions } from '../sources/index.ts';

function hwaccelArgs(hw: ResolvedEdgeCamera['hwaccel']): string[] {
  if (hw === 'none') return [];
  // jetson-ffmpeg's decoder is a codec, not an -hwaccel; H.264 is what safety cameras send.
  if (hw === 'nvmpi') return ['-c:v', 'h264_nvmpi'];
  return ['-hwaccel', hw];
}

/** A camera that stops answering is given up on after this long unless rtsp_timeout_s says otherwise. */
export const DEFAULT_RTSP_TIMEOUT_S = 10;

export function sourceOptionsFor(camera: ResolvedEdgeCamera, fps: number): SourceOptions {
  const kind = sourceKind(camera.url);
  const hw = hwaccelArgs(camera.hwaccel);
  if (kind === 'rtsp')
    return {
      input: camera.url,
      inputArgs: ['-rtsp_transport', 'tcp', ...hw],
      ioTimeoutS: camera.rtsp_timeout_s ?? DEFAULT_RTSP_TIMEOUT_S,
      fps,
      live: true,
    };
  if (kind === 'v4l2')
    return { input: camera.url, inputFormat: 'v4l2', inputArgs: hw, fps, live: true };
  const file = camera.url.startsWith('file://') ? fileURLToPath(camera.url) : camera.url;
  return { input: file, inputArgs: ['-re', '-stream_loop', '-1', ...hw], fps, live: true };
}

/**
 * A looped file source gets its size from a probe of the bare file: the source would otherwise
 * probe with the input args, and ffprobe rejects ffmpeg-only ones such as -re and -stream_loop.
 */
export async function withFileGeometry(options: SourceOptions): Promise<SourceOptions> {
  if (sourceKind(options.input) !== 'file' || options.inputFormat !== undefined) return options;
  if (options.width !== undefined && options.height !== undefined) return options;
  const info = await probeVideo(options.input);
  return { ...options, width: info.width, height: info.height };
}
