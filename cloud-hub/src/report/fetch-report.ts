// Pulls a report from the hub over HTTP. Every failure becomes a sentence for the terminal:
// hub unreachable, token refused (401) or not allowed (403), a request the hub rejected (400).
import type { ReportRequest } from './request.ts';

export type FetchResult = { ok: true; body: string } | { ok: false; message: string };

const DEFAULT_TIMEOUT_MS = 60_000;

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** The `message` of the hub's JSON error body, when it has one. */
function hubMessage(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A cheap check that a 200 came from a pretag hub and not, say, a proxy's login page. */
function looksLikeReport(format: ReportRequest['format'], text: string): boolean {
  if (format === 'csv') return text.startsWith('site,camera,day,');
  if (format === 'html') return text.includes('<script type="application/json" id="report-data">');
  try {
    const doc = JSON.parse(text) as { rows?: unknown; total?: unknown };
    return Array.isArray(doc.rows) && typeof doc.total === 'object' && doc.total !== null;
  } catch {
    return false;
  }
}

export async function fetchReport(
  req: ReportRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<FetchResult> {
  const hub = req.url.origin;
  let res: Response;
  try {
    res = await fetch(req.url, {
      headers: { authorization: `Bearer ${req.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, message: `cannot reach the hub at ${hub} (${causeOf(err)})` };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return { ok: false, message: `the hub at ${hub} broke off the answer (${causeOf(err)})` };
  }
  if (res.ok)
    return looksLikeReport(req.format, text)
      ? { ok: true, body: text }
      : {
          ok: false,
          message: `${hub} answered, but not with a ${req.format} report; is --hub the hub's URL?`,
        };
  const said = hubMessage(text);
  const detail = said ? `: ${said}` : '';
  if (res.status === 401)
    return {
      ok: false,
      message: `the hub at ${hub} refused the token (401 unauthorized)${detail}; check --token or PRETAG_TOKEN`,
    };
  if (res.status === 403)
    return {
      ok: false,
      message: `the token may not read reports (403 forbidden)${detail}; reports need an operator or reviewer token`,
    };
  if (res.status === 404)
    return {
      ok: false,
      message: `no report API at ${req.url.origin}${req.url.pathname} (404); is --hub the hub's URL?`,
    };
  return { ok: false, message: `the hub answered ${res.status} ${res.statusText}${detail}` };
}
