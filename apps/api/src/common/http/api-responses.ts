import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { STATUS_OF } from '../errors/api-errors';

/** The shape of every error (API.md), for the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    // every code of API.md, from the one list the errors are made from
    code: { type: 'string', enum: Object.keys(STATUS_OF) },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const problem = (status: number, description: string) =>
  ApiResponse({ status, description, content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } } });

/** The errors any authenticated route can answer (429 with a Retry-After header). */
export function ApiProblems(...extra: [number, string][]) {
  return applyDecorators(
    problem(400, 'validation_failed'),
    problem(401, 'unauthorized'),
    problem(403, 'forbidden'),
    ...extra.map(([s, d]) => problem(s, d)),
    ApiResponse({
      status: 429,
      description: 'rate_limited: retry after the Retry-After header (seconds)',
      headers: { 'Retry-After': { description: 'seconds until the limit resets', schema: { type: 'integer' } } },
      content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
    }),
  );
}

/** POSTs that start asynchronous work: 202, and the Idempotency-Key header. */
export function Accepted(model: new () => unknown, description: string) {
  return applyDecorators(
    HttpCode(202),
    ApiExtraModels(model),
    ApiAcceptedResponse({ description, schema: { $ref: getSchemaPath(model) } }),
    IdempotencyHeader(),
  );
}

export function IdempotencyHeader() {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Same key and body within 24 h: the first successful answer again; same key, other body: 409; a refusal is not kept',
  });
}

const problemContent = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
});

/**
 * The answers of the edge every request passes (input-guard.ts, client-error.ts), on every
 * operation of the document: 431 anywhere, 413 and 415 wherever a body may be sent.
 */
export function withEdgeProblems(doc: OpenAPIObject): OpenAPIObject {
  for (const ops of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(ops) as [string, { responses?: Record<string, unknown> }][]) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.responses['431'] ??= problemContent('headers_too_large: request line and headers over 16 KB');
      if (['post', 'patch', 'put'].includes(method)) {
        op.responses['413'] ??= problemContent('payload_too_large');
        op.responses['415'] ??= problemContent('unsupported_media_type: a body that is not application/json in UTF-8');
      }
    }
  }
  return doc;
}
