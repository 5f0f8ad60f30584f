// Source failures as data: a kind a reconnect loop can branch on, and a message a person can act on.

export const SOURCE_ERROR_KINDS = [
  'ffmpeg-not-found', // the decoder binary is missing
  'no-such-input', // file or device path does not exist
  'not-video', // the input opened but holds no decodable video stream
  'unreachable', // network camera refused, timed out or answered with an error
  'stream-ended', // a live stream stopped sending
  'bad-options', // the caller asked for something impossible
  'decode-failed', // anything else the decoder reported
] as const;
export type SourceErrorKind = (typeof SOURCE_ERROR_KINDS)[number];

export class SourceError extends Error {
  readonly kind: SourceErrorKind;
  /** The input as the caller gave it (path, URL or device). */
  readonly input: string;
  /** The decoder's last stderr lines, when there are any. */
  readonly detail: string;

  constructor(kind: SourceErrorKind, input: string, message: string, detail = '') {
    super(message);
    this.name = 'SourceError';
    this.kind = kind;
    this.input = input;
    this.detail = detail;
  }
}

/** Kinds worth retrying with backoff: the camera may come back; a missing binary will not. */
export function isRetryable(kind: SourceErrorKind): boolean {
  return kind === 'unreachable' || kind === 'stream-ended' || kind === 'decode-failed';
}

// Checked in order; the first match wins. Patterns are ffmpeg's own wording (5.x–7.x).
const PATTERNS: ReadonlyArray<readonly [SourceErrorKind, RegExp]> = [
  ['ffmpeg-not-found', /Cannot find ff(mpeg|probe)|spawn \S*ff(mpeg|probe)\S* ENOENT/i],
  ['no-such-input', /No such file or directory|No such device/i],
  [
    'not-video',
    /Invalid data found when processing input|matches no streams|does not contain any stream|no video stream|Invalid argument.*Error opening input/i,
  ],
  [
    'unreachable',
    /Connection refused|Connection timed out|Operation timed out|Network is unreachable|No route to host|Server returned|method DESCRIBE failed|Host is unreachable|Name or service not known|Immediate exit requested/i,
  ],
];

/** Names the failure from the decoder's error message and stderr. Pure, so it is tested alone. */
export function classifyDecoderFailure(text: string): SourceErrorKind {
  for (const [kind, pattern] of PATTERNS) if (pattern.test(text)) return kind;
  return 'decode-failed';
}

const HEADLINES: Record<SourceErrorKind, string> = {
  'ffmpeg-not-found': 'ffmpeg not found: install ffmpeg or put it on PATH',
  'no-such-input': 'no such file or device',
  'not-video': 'not a video: no decodable video stream',
  unreachable: 'video source unreachable',
  'stream-ended': 'stream ended',
  'bad-options': 'bad source options',
  'decode-failed': 'decoding failed',
};

/** Builds the error for a decoder failure, keeping the useful tail of stderr as detail. */
export function decoderFailure(input: string, text: string): SourceError {
  const kind = classifyDecoderFailure(text);
  const detail = lastMeaningfulLine(text);
  const message = `${HEADLINES[kind]} (${input})${detail && kind !== 'ffmpeg-not-found' ? `: ${detail}` : ''}`;
  return new SourceError(kind, input, message, text.trim());
}

export function sourceError(kind: SourceErrorKind, input: string, why = ''): SourceError {
  return new SourceError(kind, input, `${HEADLINES[kind]} (${input})${why ? `: ${why}` : ''}`);
}

/** Text of anything thrown or passed to a callback as an error. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return JSON.stringify(err) ?? 'unknown error';
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(
      (l) =>
        l && !/^Conversion failed!?$/.test(l) && !/^ff(mpeg|probe) (exited|was killed)/.test(l),
    );
  return lines.at(-1) ?? '';
}
