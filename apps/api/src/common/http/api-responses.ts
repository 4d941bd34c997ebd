import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The shape of every error (API.md), for the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: {
      type: 'string',
      enum: [
        'validation_failed',
        'unauthorized',
        'forbidden',
        'not_found',
        'conflict',
        'payload_too_large',
        'quota_exceeded',
        'rate_limited',
        'unavailable',
        'internal',
      ],
    },
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
