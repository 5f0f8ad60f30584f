// The QA embedding of a stored JPEG: decoded small with sharp (JPEG shrink-on-load keeps this to
// a few milliseconds a frame), then the pure imageEmbedding. A frame that cannot be read gets no
// embedding and simply takes no part in the diversity stage.
import sharp from 'sharp';
import { imageEmbedding } from './embedding.ts';

// Large enough for an 8×8 thumbnail of area averages and a stable colour histogram.
const DECODE_SIDE = 64;

export async function embeddingFromJpeg(jpeg: Uint8Array): Promise<Float32Array | undefined> {
  try {
    const { data, info } = await sharp(jpeg)
      .resize(DECODE_SIDE, DECODE_SIDE, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const r = imageEmbedding({
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: info.channels,
    });
    return r.ok ? r.vector : undefined;
  } catch {
    return undefined;
  }
}
