import type { BuildFailure, OperationErrorCode, RunFailure } from '@xenplane/domain';

/** A failure worth retrying (agent unreachable, timeout): the job is retried with backoff. */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly code: OperationErrorCode = 'host_unavailable',
    /** how the host failed us: a build moves elsewhere from a host it cannot reach */
    readonly failure: Exclude<BuildFailure, 'refused'> = 'other',
  ) {
    super(message);
  }
}

/** A failure retrying cannot fix: compensate, then end the operation `failed`. */
export class PermanentError extends Error {
  override name = 'PermanentError';
  constructor(
    readonly code: OperationErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Not now: come back after a short while without spending an attempt (host busy, VM busy). */
export class WaitError extends Error {
  override name = 'WaitError';
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** The operation was overtaken (VM deleted, cancel requested): stop without failing. */
export class OvertakenError extends Error {
  override name = 'OvertakenError';
}

/** A run's failure as plain data, for libs/domain decideOnFailure: only PermanentError is final. */
export function runFailureOf(err: unknown): RunFailure {
  if (err instanceof WaitError) return { kind: 'wait', delayMs: err.delayMs };
  if (err instanceof OvertakenError) return { kind: 'overtaken', reason: err.message };
  if (err instanceof PermanentError)
    return { kind: 'permanent', code: err.code, message: err.message, details: err.details };
  if (err instanceof TransientError) return { kind: 'transient', code: err.code, message: err.message };
  return { kind: 'unexpected', message: (err as Error).message };
}
