import { setTimeout as wait } from 'node:timers/promises';
import { AgentError } from '../errors';

/** Waits ms, or rejects when the caller's call is cancelled (its deadline passed). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    throw signal?.aborted ? aborted(signal) : err;
  }
}

/** Never resolves; rejects when the call is cancelled (a hung toolstack, a black-holed host). */
export function hang(signal: AbortSignal): Promise<never> {
  return sleep(2 ** 31 - 1, signal) as Promise<never>;
}

export function aborted(signal: AbortSignal): AgentError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError' || reason === undefined
    ? new AgentError('deadline_exceeded', 'the call ran out of time')
    : new AgentError('cancelled', 'the caller cancelled the call');
}
