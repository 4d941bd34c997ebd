import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { getLogger } from '@xenplane/observability';
import { ApiError, type ErrorCode, type FieldError } from './api-errors';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
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
  const bodyParser = exception as { type?: string; status?: number };
  if (bodyParser?.type === 'entity.parse.failed') {
    return problem(400, 'validation_failed', 'the request body is not valid JSON');
  }
  if (bodyParser?.type === 'entity.too.large') {
    return problem(413, 'payload_too_large', 'the request body is too large');
  }
  return problem(500, 'internal', 'an internal error occurred');
}

function fromHttpException(e: HttpException): Problem {
  const status = e.getStatus();
  const code: ErrorCode =
    status === 404
      ? 'not_found'
      : status === 401
        ? 'unauthorized'
        : status === 403
          ? 'forbidden'
          : status === 409
            ? 'conflict'
            : status === 413
              ? 'payload_too_large'
              : status === 429
                ? 'rate_limited'
                : status === 503
                  ? 'unavailable'
                  : status < 500
                    ? 'validation_failed'
                    : 'internal';
  const response = e.getResponse();
  const detail =
    status >= 500
      ? 'an internal error occurred'
      : typeof response === 'object' && response && 'message' in response && typeof response.message === 'string'
        ? response.message
        : e.message;
  return problem(status, code, detail);
}

function problem(
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
