import { CommanderError } from 'commander';
import { NoTargetError } from './config/resolve';
import { EXIT, type ExitCode, exitCodeOfStatus } from './exit-codes';

/** A command line that cannot be carried out as given (exit 2). */
export class UsageError extends Error {}

/** The API did what was asked, and it ended badly: a failed operation, a VM in error (exit 1). */
export class FailedError extends Error {}

/** An error as `xp` reports it: the line for stderr and the exit code. */
export interface Reported {
  message: string;
  code: ExitCode;
}

/**
 * The exit code and message of what a command threw. The SDK's classes are loaded here only,
 * on the way out of a failed command: a command that succeeds never needs them.
 */
export async function reportOf(err: unknown): Promise<Reported> {
  if (err instanceof UsageError || err instanceof NoTargetError) return { message: err.message, code: EXIT.usage };
  if (err instanceof CommanderError) return { message: err.message.replace(/^error: /, ''), code: EXIT.usage };
  if (err instanceof FailedError) return { message: err.message, code: EXIT.failed };
  const sdk = await import('@xenplane/sdk');
  // a VM that ended in error is shaped like a 409 problem, but no HTTP request failed: say what happened
  if (err instanceof sdk.VmFailedError) return { message: err.detail ?? err.message, code: EXIT.failed };
  if (err instanceof sdk.ProblemError) {
    const what = [err.title, err.detail].filter(Boolean).join(': ');
    return {
      message: `${what} (HTTP ${err.status}${err.code ? `, ${err.code}` : ''})`,
      code: exitCodeOfStatus(err.status),
    };
  }
  if (err instanceof sdk.TimeoutError)
    return { message: `timed out${err.message ? `: ${err.message}` : ''}`, code: EXIT.timedOut };
  return { message: describe(err), code: EXIT.failed };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch's "fetch failed" says nothing; its cause says which address refused
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}
