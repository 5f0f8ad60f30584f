// Errors the API sends are JSON `{ error, message }`: `error` a stable code a client can switch
// on, `message` a sentence for people. Fastify's own errors (validation, body size, media type,
// bad JSON) are mapped onto the same shape.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export const ERROR_CODES = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  500: 'internal',
  503: 'unavailable',
} as const;
export type ErrorStatus = keyof typeof ERROR_CODES;

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Thrown by handlers; the error handler turns it into the JSON shape. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: ErrorStatus;
  constructor(statusCode: ErrorStatus, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

export function sendError(reply: FastifyReply, status: ErrorStatus, message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: ERROR_CODES[status], message }));
}

const KNOWN = new Set<number>(Object.keys(ERROR_CODES).map(Number));

export function handleError(
  err: FastifyError | ApiError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (err instanceof ApiError) return sendError(reply, err.statusCode, err.message);
  const fe = err as FastifyError;
  if (fe.validation) return sendError(reply, 400, fe.message);
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = (KNOWN.has(status) ? status : 400) as ErrorStatus;
    return sendError(reply, code, fe.message);
  }
  request.log.error({ err }, 'request failed');
  // Internal details stay in the log.
  return sendError(reply, 500, 'the hub could not complete this request');
}
