import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ApiError, conflict } from './api-errors';
import { codeOf, ReplayedProblem, toProblem } from './problem.filter';

describe('toProblem', () => {
  it('keeps the standard members whatever extra members say', () => {
    const p = toProblem(conflict('busy', { status: 'cancelled', code: 'x', state: 'running' }));
    expect(p).toMatchObject({ status: 409, code: 'conflict', detail: 'busy', state: 'running' });
  });

  it('maps framework errors to stable codes', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(toProblem(new BadRequestException('bad uuid'))).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('turns body-parser failures into 400 and 413', () => {
    expect(
      toProblem(Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed' })),
    ).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(toProblem(Object.assign(new Error('too large'), { type: 'entity.too.large' }))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
  });

  it('answers a body in another charset or encoding 415, and any readable 4xx http-error as itself', () => {
    const httpError = (status: number, type: string) =>
      Object.assign(new Error(`unsupported "${type}"`), { status, statusCode: status, expose: true, type });
    expect(toProblem(httpError(415, 'charset.unsupported'))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      title: 'Unsupported Media Type',
    });
    expect(toProblem(httpError(415, 'encoding.unsupported'))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(toProblem(httpError(400, 'request.size.invalid'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(toProblem(httpError(403, 'entity.verify.failed'))).toMatchObject({ status: 403, code: 'forbidden' });
    // an http-error not marked safe to show is not trusted with its status
    expect(toProblem(Object.assign(new Error('x'), { status: 400 }))).toMatchObject({ status: 500, code: 'internal' });
  });

  it('answers a path that is not validly percent-encoded 400', () => {
    expect(toProblem(new URIError('URI malformed'))).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('gives the statuses that say it all their own code, and quota_exceeded only to the domain', () => {
    expect([401, 403, 404, 408, 409, 413, 415, 429, 431, 503].map(codeOf)).toEqual([
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
    ]);
    expect([400, 405, 422].map(codeOf)).toEqual(['validation_failed', 'validation_failed', 'validation_failed']);
    expect([500, 502].map(codeOf)).toEqual(['internal', 'internal']);
  });

  it('never lets an unknown error say more than that it happened', () => {
    const p = toProblem(new Error('connect ECONNREFUSED 10.0.0.1:5432 password=hunter2'));
    expect(p).toEqual(expect.objectContaining({ status: 500, code: 'internal', detail: 'an internal error occurred' }));
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });

  it('answers 503 when the database is too busy to start a transaction', () => {
    expect(
      toProblem(Object.assign(new Error('Unable to start a transaction in the given time.'), { code: 'P2028' })),
    ).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('replays a stored problem exactly', () => {
    const stored = toProblem(new ApiError('quota_exceeded', 'over'));
    expect(toProblem(new ReplayedProblem(stored))).toBe(stored);
  });
});
