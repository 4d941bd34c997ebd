import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-errors';
import { inputFault } from './json-input';

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);

// the one route whose body is bytes, not JSON: an image's content, streamed to the image store
// by its handler (no parser reads an octet-stream, so nothing buffers it)
const BINARY_ROUTE = /^\/v1\/images\/[^/]+\/file\/?$/;

/**
 * The edge every request passes before a route sees it, in one place for every route (API.md
 * "Input limits"):
 *  1. a POST, PATCH or PUT that carries a body carries JSON in UTF-8, or is refused (415); but
 *     `PUT /v1/images/:id/file` carries application/octet-stream (takesBinaryBody), and only it;
 *  2. the body is parsed (at most `bodyLimitKb`, 413; not JSON, 400);
 *  3. the body is a JSON object, and neither it nor the query holds NUL, a prototype key or
 *     nesting past MAX_JSON_DEPTH (400); nor does the path hold an encoded NUL.
 * Nothing refused here reaches a guard, an interceptor (no Idempotency-Key is stored) or the database.
 */
export function installInputGuard(app: NestExpressApplication, bodyLimitKb: number): void {
  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: `${bodyLimitKb}kb`, strict: true });
  app.use(refuseHostileInput);
}

/** Whether the request says it carries bytes of a body (a Content-Length of 0 does not). */
export function carriesBody(headers: Request['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length.trim() !== '0');
}

/** application/json, with no charset or UTF-8: what the API reads as a body (RFC 8259 JSON is UTF-8). */
export function isJsonUtf8(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => {
    const [name, value] = p.split('=').map((s) => s.trim());
    return name !== 'charset' || value?.replace(/^"(.*)"$/, '$1') === 'utf-8';
  });
}

/** The upload of an image's content: the route that reads application/octet-stream, and the only one. */
export function takesBinaryBody(method: string, path: string, contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return method === 'PUT' && BINARY_ROUTE.test(path) && type === 'application/octet-stream';
}

function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const contentType = req.header('content-type');
  if (takesBinaryBody(req.method, req.path, contentType)) {
    // bytes are hashed as they arrive: an encoded body would be stored as its encoding
    const encoding = req.header('content-encoding')?.trim().toLowerCase();
    if (encoding && encoding !== 'identity')
      return next(new ApiError('unsupported_media_type', "an image's content is sent without a Content-Encoding"));
    return next();
  }
  if (BODY_METHODS.has(req.method) && carriesBody(req.headers) && !isJsonUtf8(contentType)) {
    next(
      new ApiError(
        'unsupported_media_type',
        'a request body must be application/json in UTF-8 (Content-Type: application/json)',
      ),
    );
    return;
  }
  next();
}

function refuseHostileInput(req: Request, _res: Response, next: NextFunction): void {
  const refuse = (field: string, message: string) =>
    next(new ApiError('validation_failed', `${field || 'body'}: ${message}`, [{ field: field || 'body', message }]));
  // body-parser leaves req.body undefined when there was no JSON body to read
  const body: unknown = req.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))
    return refuse('body', 'must be a JSON object');
  const inBody = inputFault(body);
  if (inBody) return refuse(inBody.field, inBody.message);
  const inQuery = inputFault(req.query);
  if (inQuery) return refuse(inQuery.field || 'query', inQuery.message);
  if (/%00/i.test(req.path)) return refuse('path', 'must not contain NUL characters');
  next();
}
