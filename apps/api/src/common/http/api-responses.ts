import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { STATUS_OF } from '../errors/api-errors';

/** The name of the one schema every error response of the document refers to. */
export const PROBLEM = 'Problem';

/** The shape of every error (API.md, RFC 9457), for the OpenAPI document's components. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'An error, as application/problem+json (RFC 9457); `code` is what a client branches on',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://xenplane.dev/problems/not_found' },
    title: { type: 'string', description: "The status's reason phrase", example: 'Not Found' },
    status: { type: 'integer', example: 404 },
    detail: { type: 'string', description: 'What went wrong, for a person', example: 'vm 0d6f… not found' },
    instance: { type: 'string', format: 'uri-reference', description: 'RFC 9457: this occurrence, when named' },
    // every code of API.md, from the one list the errors are made from
    code: { type: 'string', enum: Object.keys(STATUS_OF) },
    errors: {
      type: 'array',
      description: 'validation_failed: each field refused and why',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** An error response's content: the problem schema, by reference, never a copy. */
export const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: getSchemaPath(PROBLEM) } } };

const problem = (status: number, description: string) => ApiResponse({ status, description, content: PROBLEM_CONTENT });

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
      content: PROBLEM_CONTENT,
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

const problemResponse = (description: string): ResponseObject => ({ description, content: PROBLEM_CONTENT });

/**
 * Every error of the document as the one problem schema: the schema itself in the components,
 * and on every operation the answers of the edge every request passes (input-guard.ts,
 * client-error.ts): 431 anywhere, 413 and 415 wherever a body may be sent. An error response a
 * decorator declared without content gets the problem's: the ProblemFilter answers every error so.
 */
export function withProblems(doc: OpenAPIObject): OpenAPIObject {
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, [PROBLEM]: PROBLEM_SCHEMA } };
  for (const ops of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(ops) as [string, { responses?: Record<string, ResponseObject> }][]) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.responses['431'] ??= problemResponse('headers_too_large: request line and headers over 16 KB');
      if (['post', 'patch', 'put'].includes(method)) {
        op.responses['413'] ??= problemResponse('payload_too_large');
        op.responses['415'] ??= problemResponse('unsupported_media_type: a body that is not application/json in UTF-8');
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && !response.content) response.content = PROBLEM_CONTENT;
      }
    }
  }
  return doc;
}
