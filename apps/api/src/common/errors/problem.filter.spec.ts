import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ApiError, conflict } from './api-errors';
import { ReplayedProblem, toProblem } from './problem.filter';

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
