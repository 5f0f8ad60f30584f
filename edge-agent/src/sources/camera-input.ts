// From an edge.yaml camera (url, hwaccel) to the decoder's input options. Pure, so each mapping
// is tested without a GPU. See README.md in this folder for the Jetson settings.
import { sourceKind } from '@pretag/shared/config/edge-schema';
import type { ResolvedEdgeCamera } from '@pretag/shared/config/edge-schema';
import type { FfmpegSourceOptionsInput } from './ffmpeg-args.ts';
import type { PixelFormat } from './frame-source.ts';

export type Hwaccel = ResolvedEdgeCamera['hwaccel'];

/**
 * ffmpeg arguments (before `-i`) that select hardware decoding. `codec` is the stream's codec
 * ('h264' or 'hevc') for the decoders that are per-codec.
 *  - nvmpi: jetson-ffmpeg (Jetson Nano/Xavier/Orin community build): `-c:v h264_nvmpi`.
 *    JetPack's own ffmpeg names the same NVDEC path `h264_nvv4l2dec`; on such a build pass
 *    `decoder: 'h264_nvv4l2dec'` (edge.yaml has no value for it yet).
 *  - cuda / nvdec: desktop or data-centre NVIDIA GPUs. Upstream ffmpeg's CUDA hwaccel does not
 *    reach a Jetson's decoder, which sits behind V4L2, not CUDA.
 *  - v4l2m2m: stateful V4L2 memory-to-memory decoders (Raspberry Pi, some ARM SoCs).
 *  - auto / vaapi / qsv / videotoolbox: ffmpeg's generic `-hwaccel` selection.
 * Frames still leave ffmpeg as rgb24/gray through the pipe, so nothing downstream changes.
 */
export function hwaccelArgs(hwaccel: Hwaccel, codec = 'h264'): string[] {
  switch (hwaccel) {
    case 'none':
      return [];
    case 'nvmpi':
      return ['-c:v', `${codec}_nvmpi`];
    case 'v4l2m2m':
      return ['-c:v', `${codec}_v4l2m2m`];
    default:
      return ['-hwaccel', hwaccel];
  }
}

export interface CameraInput {
  url: string;
  hwaccel?: Hwaccel;
  /** The stream's codec, for per-codec hardware decoders. */
  codec?: string;
  /** An explicit decoder, e.g. 'h264_nvv4l2dec' on JetPack's ffmpeg; wins over hwaccel. */
  decoder?: string;
  /** V4L2 devices: the camera's compressed mode and size (most USB cameras reach 720p+ only in MJPEG). */
  v4l2?: { inputFormat?: string; videoSize?: string; framerate?: number };
  /** RTSP: TCP survives lossy links and NAT; UDP loses frames silently. */
  rtspTransport?: 'tcp' | 'udp';
  /**
   * RTSP socket I/O timeout, s: bounds a hung probe or connect to a camera that accepts TCP but
   * never answers. The option is `-timeout` from ffmpeg 5; ffmpeg 4.x (JetPack's) calls it
   * `-stimeout`, and its `-timeout` means "listen". By default the source picks the flag for the
   * ffmpeg it finds; rtspTimeoutOption forces one.
   */
  ioTimeoutS?: number;
  rtspTimeoutOption?: '-timeout' | '-stimeout';
}

export interface OutputShape {
  fps?: number;
  width?: number;
  height?: number;
  format?: PixelFormat;
}

/** Decoder options for one camera; live inputs (RTSP, V4L2) are marked live. */
export function cameraSourceOptions(
  camera: CameraInput,
  output: OutputShape = {},
): FfmpegSourceOptionsInput {
  const kind = sourceKind(camera.url);
  const decode = camera.decoder
    ? ['-c:v', camera.decoder]
    : hwaccelArgs(camera.hwaccel ?? 'none', camera.codec);
  const inputArgs: string[] = [];
  let inputFormat: string | undefined;
  let input = camera.url;
  let ioTimeoutS: number | undefined;
  if (kind === 'rtsp') {
    inputArgs.push('-rtsp_transport', camera.rtspTransport ?? 'tcp');
    if (camera.ioTimeoutS !== undefined && camera.rtspTimeoutOption)
      inputArgs.push(camera.rtspTimeoutOption, String(Math.round(camera.ioTimeoutS * 1e6)));
    else ioTimeoutS = camera.ioTimeoutS;
  } else if (kind === 'v4l2') {
    // ffmpeg -f v4l2 -input_format mjpeg -video_size 1280x720 -i /dev/video0
    inputFormat = 'v4l2';
    const v = camera.v4l2 ?? {};
    if (v.inputFormat) inputArgs.push('-input_format', v.inputFormat);
    if (v.videoSize) inputArgs.push('-video_size', v.videoSize);
    if (v.framerate) inputArgs.push('-framerate', String(v.framerate));
  } else if (input.startsWith('file://')) {
    input = fileUrlPath(input);
  }
  return {
    input,
    ...(inputFormat ? { inputFormat } : {}),
    // The decoder choice goes last before -i: ffmpeg applies -c:v to the next input.
    inputArgs: [...inputArgs, ...decode],
    ...(ioTimeoutS !== undefined && { ioTimeoutS }),
    live: kind !== 'file',
    ...output,
  };
}

/** file:///a%20b.mp4 → /a b.mp4; a malformed escape is kept as written rather than thrown. */
function fileUrlPath(url: string): string {
  const raw = url.slice('file://'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
