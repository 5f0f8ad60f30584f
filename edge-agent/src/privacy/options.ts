// Redaction settings. edge.yaml has one switch per camera (`redact_faces`); the rest are agent
// options with defaults chosen for CCTV, validated here because they may come from a file.
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

export const redactionOptionsSchema = z.strictObject({
  /** The camera's `redact_faces`: off means frames leave the device as they are. */
  enabled: z.boolean().default(true),
  /** blur: Gaussian blur; pixelate: mean colour in square blocks. */
  mode: z.enum(['blur', 'pixelate']).default('pixelate'),
  /**
   * Blur sigma, or pixel block side, as a fraction of the region's shorter side. Clamped to at
   * least 2 pixels so a tiny head still loses its detail.
   */
  strength: z.number().gt(0).max(1).default(0.2),
  /** Head region: this top share of each person box's height. */
  head_fraction: fraction.default(0.2),
  /** Head region width as a share of the person box width, centred (1 = full width). */
  head_width: z.number().gt(0).max(1).default(1),
  /** Faces below this score are not redacted. */
  min_face_score: fraction.default(0.5),
  /** Detection labels whose boxes get a head region. */
  person_labels: z.array(z.string().min(1)).default(['person']),
  /** Margin added on every side of each region, as a share of its width / height. */
  padding: z.number().min(0).max(2).default(0.15),
  /** JPEG quality of the redacted output. */
  jpeg_quality: z.int().min(1).max(100).default(85),
});

export type RedactionOptionsInput = z.input<typeof redactionOptionsSchema>;
export type RedactionOptions = z.output<typeof redactionOptionsSchema>;

/** Options for one camera from its resolved settings (`redact_faces`) plus agent-wide overrides. */
export function redactionOptionsFor(
  camera: { redact_faces: boolean },
  overrides: Omit<RedactionOptionsInput, 'enabled'> = {},
): RedactionOptions {
  return parseRedactionOptions({ ...overrides, enabled: camera.redact_faces });
}

/** Parse options; a bad value throws one readable error naming the key. */
export function parseRedactionOptions(input: RedactionOptionsInput = {}): RedactionOptions {
  const r = redactionOptionsSchema.safeParse(input);
  if (!r.success) throw new Error(`invalid redaction options:\n${z.prettifyError(r.error)}`);
  return r.data;
}
