import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { StepSink } from './step-record';

/** Header and metadata key that carries a request's correlation id from API to agent. */
export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * What a piece of work is about, following it through every await: the request's correlation
 * id, and once known, the operation and VM it works on. The logger stamps all of it on every
 * line, so handlers never pass them along by hand.
 */
export interface WorkContext {
  correlationId: string;
  operationId?: string;
  vmId?: string;
  /** when the work began (a request's arrival), in epoch ms: the start of its operations' first step */
  startedAt?: number;
  /** where the steps of this work go as they end (the operation's timeline), if anywhere */
  steps?: StepSink;
}

/**
 * The work and its trace context (OpenTelemetry's, see tracing.ts) in ONE AsyncLocalStorage:
 * every await pays for each store that follows it, and a second one made awaits ~40% dearer.
 */
interface Store {
  work?: WorkContext;
  trace?: unknown;
}

const storage = new AsyncLocalStorage<Store>();

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.work?.correlationId;
}

export function currentWork(): WorkContext | undefined {
  return storage.getStore()?.work;
}

/** Runs fn with a correlation id (a fresh one when none is given or the given one is unsafe). */
export function withCorrelationId<T>(id: string | undefined, fn: () => T): T {
  const work = { correlationId: sanitizeCorrelationId(id) ?? randomUUID() };
  return storage.run({ work, trace: storage.getStore()?.trace }, fn);
}

/** The active trace context, as tracing.ts's context manager keeps it. */
export function currentTraceSlot(): unknown {
  return storage.getStore()?.trace;
}

/** Runs fn with this trace context active, in the same work. */
export function withTraceSlot<T>(trace: unknown, fn: () => T): T {
  return storage.run({ work: storage.getStore()?.work, trace }, fn);
}

/**
 * Runs fn as work on an operation (and its VM): the current correlation id kept, or the given
 * one, or a fresh one.
 */
export function withWork<T>(
  work: {
    correlationId?: string | null;
    operationId?: string | null;
    vmId?: string | null;
    startedAt?: number;
    steps?: StepSink;
  },
  fn: () => T,
): T {
  const store = storage.getStore();
  const outer = store?.work;
  const correlationId = sanitizeCorrelationId(work.correlationId ?? undefined) ?? outer?.correlationId ?? randomUUID();
  const operationId = work.operationId ?? outer?.operationId;
  const vmId = work.vmId ?? outer?.vmId;
  const startedAt = work.startedAt ?? outer?.startedAt;
  const steps = work.steps ?? outer?.steps;
  return storage.run(
    {
      work: {
        correlationId,
        ...(operationId ? { operationId } : {}),
        ...(vmId ? { vmId } : {}),
        ...(startedAt !== undefined ? { startedAt } : {}),
        ...(steps ? { steps } : {}),
      },
      trace: store?.trace,
    },
    fn,
  );
}

/** Accepts only short, printable ids: a caller's header must not forge log lines. */
export function sanitizeCorrelationId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
}
