import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Header and metadata key that carries a request's correlation id from API to agent. */
export const CORRELATION_HEADER = 'x-correlation-id';

const storage = new AsyncLocalStorage<string>();

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/** Runs fn with a correlation id (a fresh one when none is given or the given one is unsafe). */
export function withCorrelationId<T>(id: string | undefined, fn: () => T): T {
  return storage.run(sanitizeCorrelationId(id) ?? randomUUID(), fn);
}

/** Accepts only short, printable ids: a caller's header must not forge log lines. */
export function sanitizeCorrelationId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
}
