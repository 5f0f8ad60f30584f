// `pretag report` options into the hub request: validated and defaulted, pure. Bad input gives
// a message naming the option, for a CliError.
import { z } from 'zod';
import { dayStart } from '../api/reports/daily.ts';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  hub?: string | undefined;
  token?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  site?: string | undefined;
  camera?: string | undefined;
  format?: string | undefined;
  cameras?: string | undefined;
}

export interface ReportRequest {
  url: URL;
  token: string;
  format: ReportFormat;
}

const DAY_MS = 86_400_000;
/** Without --from, the report covers this many days ending at --to. */
export const DEFAULT_DAYS = 7;

const day = (name: string) =>
  z.string().refine((s) => dayStart(s) !== undefined, {
    message: `${name}: expected a day YYYY-MM-DD (UTC), such as 2026-11-27`,
  });

const optionsSchema = z.object({
  hub: z
    .string({ message: '--hub: the hub URL is required, e.g. --hub http://hub.local:8080' })
    .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), {
      message: '--hub: expected an http:// or https:// URL',
    }),
  token: z
    .string({ message: 'no token: give --token or set PRETAG_TOKEN' })
    .min(1, { message: 'no token: give --token or set PRETAG_TOKEN' }),
  from: day('--from').optional(),
  to: day('--to').optional(),
  site: z.string().min(1, { message: '--site: empty' }).optional(),
  camera: z.string().min(1, { message: '--camera: empty' }).optional(),
  format: z
    .enum(REPORT_FORMATS, { message: '--format: expected json, csv or html' })
    .default('json'),
  cameras: z
    .string()
    .regex(/^[1-9]\d{0,6}$/, { message: '--cameras: expected a whole number from 1 to 1000000' })
    .optional(),
});

export type RequestResult = { ok: true; request: ReportRequest } | { ok: false; message: string };

/** `today` is the UTC day used when --to is missing. */
export function reportRequest(
  options: ReportOptions,
  env: Record<string, string | undefined>,
  today: string,
): RequestResult {
  const parsed = optionsSchema.safeParse({ ...options, token: options.token ?? env.PRETAG_TOKEN });
  if (!parsed.success)
    return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
  const o = parsed.data;
  const to = o.to ?? today;
  const toStart = dayStart(to);
  if (toStart === undefined) return { ok: false, message: `--to: "${to}" is not a day` };
  const from = o.from ?? new Date(toStart - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  if ((dayStart(from) ?? Infinity) > toStart)
    return { ok: false, message: `--from ${from} is after --to ${to}` };
  const url = new URL('/v1/reports/daily', o.hub);
  // Keep a path prefix the hub may sit under (a reverse proxy at /pretag/).
  const base = new URL(o.hub);
  if (base.pathname !== '/') url.pathname = `${base.pathname.replace(/\/+$/, '')}/v1/reports/daily`;
  url.searchParams.set('from', from);
  url.searchParams.set('to', to);
  if (o.site !== undefined) url.searchParams.set('site', o.site);
  if (o.camera !== undefined) url.searchParams.set('camera', o.camera);
  if (o.cameras !== undefined) url.searchParams.set('cameras', o.cameras);
  url.searchParams.set('format', o.format);
  return { ok: true, request: { url, token: o.token, format: o.format } };
}
