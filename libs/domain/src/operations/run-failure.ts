import type { OperationErrorCode } from './operation';

/**
 * How a run of an operation went wrong, as plain data (the scheduler's error classes, told
 * apart by the worker):
 * - wait: not now (host or VM busy), come back after delayMs without spending an attempt;
 * - overtaken: the VM was deleted or the operation cancelled meanwhile;
 * - permanent: retrying cannot fix it;
 * - transient: worth retrying (agent unreachable, timeout);
 * - unexpected: anything else (a database blip, a bug), retried too.
 */
export type RunFailure =
  | { kind: 'wait'; delayMs: number }
  | { kind: 'overtaken'; reason: string }
  | { kind: 'permanent'; code: OperationErrorCode; message: string; details?: unknown }
  | { kind: 'transient'; code: OperationErrorCode; message: string }
  | { kind: 'unexpected'; message: string };

/** Where the job stands: BullMQ's count and limit, and the scheduler's own limit. */
export interface JobAttempts {
  /** attempts already made before this one */
  attemptsMade: number;
  /** the limit the enqueuer put on the job (BullMQ's opts.attempts) */
  jobAttempts: number | undefined;
  /** OPERATION_ATTEMPTS: the scheduler's own limit, whatever the enqueuer put on the job */
  maxAttempts: number;
}

export type FailureOutcome =
  /** back on the queue for a while, the attempt not spent */
  | { kind: 'later'; delayMs: number }
  /** stop without failing: the handler ends the operation cancelled */
  | { kind: 'overtaken'; reason: string }
  /** count the attempt and let BullMQ retry the job with its backoff */
  | { kind: 'retry'; attempt: number; message: string }
  /** the end: the handler compensates and the operation fails with this error */
  | { kind: 'fail'; code: OperationErrorCode; message: string; details?: unknown };

/** Whether this attempt is the job's last: the lower of the two limits decides. */
export function isLastAttempt(a: JobAttempts): boolean {
  return a.attemptsMade + 1 >= Math.min(a.jobAttempts ?? 1, a.maxAttempts);
}

/**
 * What the worker does with a failed run. Only a permanent failure ends the operation at
 * once; anything else is retried while attempts remain, then ends it with the failure's
 * code (internal for the unexpected) and how many attempts it took.
 */
export function decideOnFailure(f: RunFailure, a: JobAttempts): FailureOutcome {
  switch (f.kind) {
    case 'wait':
      return { kind: 'later', delayMs: f.delayMs };
    case 'overtaken':
      return { kind: 'overtaken', reason: f.reason };
    case 'permanent':
      return {
        kind: 'fail',
        code: f.code,
        message: f.message,
        ...(f.details !== undefined ? { details: f.details } : {}),
      };
    case 'transient':
    case 'unexpected': {
      const attempt = a.attemptsMade + 1;
      if (!isLastAttempt(a)) return { kind: 'retry', attempt, message: f.message };
      const code = f.kind === 'transient' ? f.code : 'internal';
      return { kind: 'fail', code, message: `gave up after ${attempt} attempts: ${f.message}` };
    }
  }
}

/** How long an operation waits behind an older unfinished operation of its VM before looking again. */
export const TURN_WAIT_MS = 200;

/**
 * A short wait with jitter (a busy host, restarts of a higher priority ahead), so that the
 * operations turned away together do not all come back at the same moment. `random` in [0, 1).
 */
export function jitteredWaitMs(baseMs: number, spreadMs: number, random: number): number {
  return baseMs + Math.floor(random * spreadMs);
}
