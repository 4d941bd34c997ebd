import { randomBytes } from 'node:crypto';
import { context, isSpanContextValid, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentWork } from './correlation';
import { getLogger } from './logger';
import type { StepAttributes, StepRecord, StepSide } from './step-record';
import { tracer, tracingSide, withSpan } from './tracing';

const log = getLogger('steps');

export interface StepOptions {
  attributes?: StepAttributes;
  /** another side than this process's (the queue's wait, seen by the scheduler) */
  side?: StepSide;
  kind?: SpanKind;
}

/** Now, in epoch milliseconds with a fraction (the monotonic clock's precision, the wall clock's origin). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** What a step's work may add to it as it learns it (an exit code). */
export interface StepHandle {
  set(key: string, value: string | number | boolean): void;
  /** ends the step as failed without throwing (a command that exited non-zero) */
  fail(): void;
}

/**
 * Runs fn as one step of the current work: a span of the trace (active inside fn, so what fn
 * logs and calls is its child) and, when the work keeps a timeline (its context has a step
 * sink), a step of that timeline with the same ids. The one notion of a step: nothing else
 * opens a span or writes a step.
 */
export async function step<T>(
  name: string,
  fn: (handle: StepHandle) => Promise<T>,
  options: StepOptions = {},
): Promise<T> {
  const startedAt = preciseNow();
  const parentSpanId = activeSpanId();
  const attributes = { ...options.attributes };
  const span = tracer().startSpan(name, { startTime: startedAt, kind: options.kind ?? SpanKind.INTERNAL, attributes });
  let failed = false;
  const handle: StepHandle = {
    set(key, value) {
      attributes[key] = value;
      span.setAttribute(key, value);
    },
    fail() {
      failed = true;
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
  };
  try {
    return await withSpan(span, () => fn(handle));
  } catch (err) {
    failed = true;
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
    throw err;
  } finally {
    const endedAt = preciseNow();
    span.end(endedAt);
    await sendStep(record(name, span, startedAt, endedAt, parentSpanId, failed, { ...options, attributes }));
  }
}

/**
 * step, when the current work is in a trace; fn alone otherwise. For work done both for
 * operations and on the process's own account (a call to an agent, an `xl list`): the
 * heartbeats and polls of a quiet cloud make no span.
 */
export function stepIfTraced<T>(
  name: string,
  fn: (handle: StepHandle) => Promise<T>,
  options: StepOptions = {},
): Promise<T> {
  return trace.getActiveSpan() ? step(name, fn, options) : fn(UNTRACED);
}

const UNTRACED: StepHandle = { set: () => undefined, fail: () => undefined };

/**
 * A step whose times were taken elsewhere (a job's wait in the queue, from BullMQ's timestamps;
 * a request from its arrival to its commit): a span with those times, and its timeline step.
 */
export async function recordStep(
  name: string,
  times: { startedAt: number; endedAt: number },
  options: StepOptions = {},
): Promise<void> {
  const parentSpanId = activeSpanId();
  const span = tracer().startSpan(name, {
    startTime: times.startedAt,
    kind: options.kind ?? SpanKind.INTERNAL,
    ...(options.attributes ? { attributes: options.attributes } : {}),
  });
  span.end(times.endedAt);
  await sendStep(record(name, span, times.startedAt, times.endedAt, parentSpanId, false, options));
}

/** Steps the agent did, reported back in its answer: stored with the caller's steps. */
export async function sendSteps(steps: readonly StepRecord[]): Promise<void> {
  const sink = currentWork()?.steps;
  if (!sink || steps.length === 0) return;
  try {
    await sink(steps);
  } catch (err) {
    // a timeline is an aid: failing to keep a step never fails the work
    log.warn({ err: (err as Error).message, steps: steps.length }, 'could not record steps');
  }
}

function sendStep(s: StepRecord): Promise<void> {
  return sendSteps([s]);
}

function record(
  name: string,
  span: Span,
  startedAt: number,
  endedAt: number,
  parentSpanId: string | undefined,
  failed: boolean,
  options: StepOptions,
): StepRecord {
  const ids = span.spanContext();
  const valid = isSpanContextValid(ids);
  return {
    name,
    side: options.side ?? tracingSide(),
    startedAt: new Date(startedAt),
    durationMs: Math.max(0, endedAt - startedAt),
    // without a tracer (a test that started none) the step still gets ids of its own
    traceId: valid ? ids.traceId : randomBytes(16).toString('hex'),
    spanId: valid ? ids.spanId : randomBytes(8).toString('hex'),
    ...(parentSpanId ? { parentSpanId } : {}),
    failed,
    attributes: options.attributes ?? {},
  };
}

/** The span a new span would be the child of: the active one, or a caller's across the wire. */
function activeSpanId(): string | undefined {
  const parent = trace.getSpanContext(context.active());
  return parent && isSpanContextValid(parent) ? parent.spanId : undefined;
}
