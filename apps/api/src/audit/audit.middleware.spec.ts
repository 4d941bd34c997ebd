import type { Response } from 'express';
import type { AuthedRequest } from '../common/auth/auth.guard';
import type { AuditRecorder } from './audit-recorder';
import { AUDIT_WAIT_MS, AuditMiddleware } from './audit.middleware';

describe('AuditMiddleware', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A response whose end() only notes what it was given; the recorder settles when the test says. */
  function harness(method: string) {
    const recorded: unknown[] = [];
    let settle!: () => void;
    const recorder = {
      record: (_req: AuthedRequest, _res: Response, answer: unknown) => {
        recorded.push(answer);
        return new Promise<void>((resolve) => (settle = resolve));
      },
    } as unknown as AuditRecorder;
    const ended: unknown[][] = [];
    const res = {
      end(...args: unknown[]) {
        ended.push(args);
        return this;
      },
    } as unknown as Response;
    const next = jest.fn();
    new AuditMiddleware(recorder).use({ method } as AuthedRequest, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    return { res, recorded, ended, settle: () => settle() };
  }

  it('holds the answer until its audit row is written, then sends it as it was', async () => {
    const h = harness('POST');
    h.res.end('{"id":"x"}', 'utf8');
    expect(h.recorded).toEqual(['{"id":"x"}']);
    await jest.advanceTimersByTimeAsync(AUDIT_WAIT_MS - 1);
    expect(h.ended).toEqual([]);
    h.settle();
    await jest.advanceTimersByTimeAsync(0);
    expect(h.ended).toEqual([['{"id":"x"}', 'utf8']]);
  });

  it('lets the answer go after AUDIT_WAIT_MS when the database is slow', async () => {
    const h = harness('DELETE');
    h.res.end();
    await jest.advanceTimersByTimeAsync(AUDIT_WAIT_MS);
    expect(h.ended).toEqual([[]]);
    // the late row does not send the answer twice
    h.settle();
    await jest.advanceTimersByTimeAsync(0);
    expect(h.ended).toHaveLength(1);
  });

  it('records an answer once, however often end() is called', async () => {
    const h = harness('PATCH');
    h.res.end('a');
    h.settle();
    await jest.advanceTimersByTimeAsync(0);
    h.res.end();
    expect(h.recorded).toEqual(['a']);
    expect(h.ended).toEqual([['a'], []]);
  });

  it('leaves reads alone', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const h = harness(method);
      h.res.end('x');
      expect(h.recorded).toEqual([]);
      expect(h.ended).toEqual([['x']]);
    }
  });
});
