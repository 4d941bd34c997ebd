import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { getLogger } from '@xenplane/observability';
import { ApiError, type ErrorCode, type FieldError, STATUS_OF } from './api-errors';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** A stored error answer (Idempotency-Key), sent again exactly as it was first given. */
export class ReplayedProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/** Every error leaves as application/problem+json; no stack trace ever leaves the server. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = getLogger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const problem = toProblem(exception);
    if (problem.status >= 500) this.log.error({ err: exception }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

export function toProblem(exception: unknown): Problem {
  if (exception instanceof ReplayedProblem) return exception.problem;
  if (exception instanceof ApiError) {
    return problem(exception.status, exception.code, exception.message, exception.errors, exception.extra);
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isOverloaded(exception)) return problem(503, 'unavailable', 'the service is overloaded; retry shortly');
  return fromRequestError(exception) ?? problem(500, 'internal', 'an internal error occurred');
}

// The code of an error that says no more than its HTTP status (quota_exceeded is only ever a domain error's)
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = Object.fromEntries(
  (
    [
      'unauthorized',
      'forbidden',
      'not_found',
      'request_timeout',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'rate_limited',
      'headers_too_large',
      'unavailable',
    ] as const
  ).map((code) => [STATUS_OF[code], code]),
);

/** The standard code of an HTTP status (API.md); other 4xx are validation failures. */
export function codeOf(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status < 500 ? 'validation_failed' : 'internal');
}

function fromHttpException(e: HttpException): Problem {
  const status = e.getStatus();
  const response = e.getResponse();
  const detail =
    status >= 500
      ? 'an internal error occurred'
      : typeof response === 'object' && response && 'message' in response && typeof response.message === 'string'
        ? response.message
        : e.message;
  return problem(status, codeOf(status), detail);
}

// body-parser's refusals (http-errors with a `type`), in words that do not echo the request
const BODY_ERRORS: Record<string, { status: number; detail: string }> = {
  'entity.parse.failed': { status: 400, detail: 'the request body is not valid JSON' },
  'entity.too.large': { status: 413, detail: 'the request body is too large' },
  'charset.unsupported': {
    status: 415,
    detail: 'the request body must be JSON in UTF-8 (application/json; charset=utf-8)',
  },
  'encoding.unsupported': {
    status: 415,
    detail: 'the request body has a Content-Encoding this API does not read (gzip, deflate, br or none)',
  },
  'request.aborted': { status: 400, detail: 'the request body was cut short' },
  'request.size.invalid': { status: 400, detail: 'the request body is not as long as its Content-Length says' },
};

/**
 * A request the HTTP layer could not read: body-parser's errors (a known `type`, or any
 * http-error with a 4xx `status` it marks safe to `expose`), and Express's URIError for a path
 * that is not validly percent-encoded.
 */
function fromRequestError(e: unknown): Problem | undefined {
  if (e instanceof URIError) return problem(400, 'validation_failed', 'the request URL is not validly percent-encoded');
  const err = e as { type?: unknown; status?: unknown; expose?: unknown } | undefined;
  const known = typeof err?.type === 'string' ? BODY_ERRORS[err.type] : undefined;
  if (known) return problem(known.status, codeOf(known.status), known.detail);
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && err.expose === true)
    return problem(err.status, codeOf(err.status), 'the request could not be read');
  return undefined;
}

export function problem(
  status: number,
  code: ErrorCode,
  detail: string,
  errors?: FieldError[],
  extra?: Record<string, unknown>,
): Problem {
  // extra members never replace the standard ones
  return {
    ...extra,
    type: `https://xenplane.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors?.length ? { errors } : {}),
  };
}

/** The database could not give us a connection or a transaction in time: a retry will do. */
function isOverloaded(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'P2024' || code === 'P2028' || code === 'P1001' || code === 'P1017';
}
