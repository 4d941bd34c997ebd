import { decideOnFailure, isLastAttempt, type JobAttempts, jitteredWaitMs, type RunFailure } from './run-failure';

const first: JobAttempts = { attemptsMade: 0, jobAttempts: 8, maxAttempts: 8 };
const last: JobAttempts = { attemptsMade: 7, jobAttempts: 8, maxAttempts: 8 };

describe('isLastAttempt', () => {
  it('counts the attempt under way against the lower of the job and scheduler limits', () => {
    expect(isLastAttempt(first)).toBe(false);
    expect(isLastAttempt({ attemptsMade: 6, jobAttempts: 8, maxAttempts: 8 })).toBe(false);
    expect(isLastAttempt(last)).toBe(true);
    // the scheduler's own limit wins over a higher one put on the job
    expect(isLastAttempt({ attemptsMade: 2, jobAttempts: 50, maxAttempts: 3 })).toBe(true);
    expect(isLastAttempt({ attemptsMade: 2, jobAttempts: 3, maxAttempts: 50 })).toBe(true);
    // a job enqueued without attempts gets one
    expect(isLastAttempt({ attemptsMade: 0, jobAttempts: undefined, maxAttempts: 8 })).toBe(true);
  });
});

describe('decideOnFailure', () => {
  const transient: RunFailure = { kind: 'transient', code: 'timeout', message: 'deadline exceeded' };
  const unexpected: RunFailure = { kind: 'unexpected', message: 'connection reset' };

  it('puts a waiting operation back without spending an attempt, even on its last', () => {
    expect(decideOnFailure({ kind: 'wait', delayMs: 150 }, last)).toEqual({ kind: 'later', delayMs: 150 });
  });

  it('stops an overtaken operation without failing it, even on its last attempt', () => {
    expect(decideOnFailure({ kind: 'overtaken', reason: 'the VM is being deleted' }, last)).toEqual({
      kind: 'overtaken',
      reason: 'the VM is being deleted',
    });
  });

  it('ends the operation at once on a permanent failure, as it was raised', () => {
    expect(
      decideOnFailure({ kind: 'permanent', code: 'no_valid_host', message: 'no room', details: { n: 1 } }, first),
    ).toEqual({
      kind: 'fail',
      code: 'no_valid_host',
      message: 'no room',
      details: { n: 1 },
    });
    expect(decideOnFailure({ kind: 'permanent', code: 'agent_error', message: 'libxl' }, first)).toEqual({
      kind: 'fail',
      code: 'agent_error',
      message: 'libxl',
    });
  });

  it('retries transient and unexpected failures while attempts remain, numbering the attempt', () => {
    expect(decideOnFailure(transient, first)).toEqual({ kind: 'retry', attempt: 1, message: 'deadline exceeded' });
    expect(decideOnFailure(unexpected, { ...last, attemptsMade: 6 })).toEqual({
      kind: 'retry',
      attempt: 7,
      message: 'connection reset',
    });
  });

  it('gives up on the last attempt: a transient failure keeps its code, the unexpected is internal', () => {
    expect(decideOnFailure(transient, last)).toEqual({
      kind: 'fail',
      code: 'timeout',
      message: 'gave up after 8 attempts: deadline exceeded',
    });
    expect(decideOnFailure(unexpected, last)).toEqual({
      kind: 'fail',
      code: 'internal',
      message: 'gave up after 8 attempts: connection reset',
    });
  });
});

describe('jitteredWaitMs', () => {
  it('spreads a wait over [base, base + spread)', () => {
    expect(jitteredWaitMs(100, 200, 0)).toBe(100);
    expect(jitteredWaitMs(100, 200, 0.5)).toBe(200);
    expect(jitteredWaitMs(100, 200, 0.9999)).toBe(299);
  });
});
