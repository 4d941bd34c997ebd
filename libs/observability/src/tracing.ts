import {
  type Context,
  context,
  type ContextManager,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { currentTraceSlot, withTraceSlot } from './correlation';
import type { StepSide } from './step-record';

/** The W3C header (and gRPC metadata key, and job data field) that carries a trace's context. */
export const TRACEPARENT = 'traceparent';

export interface TracingOptions {
  /** which side of an operation's timeline this process's steps are */
  side: StepSide;
  /** export to the OTLP/HTTP collector the standard OTEL_EXPORTER_OTLP_* variables name */
  export: boolean;
  /** more span processors (tests read the spans in memory) */
  processors?: SpanProcessor[];
}

let provider: NodeTracerProvider | undefined;
let processSide: StepSide = 'api';

/**
 * The process's tracer provider, once, at start (before any span). Spans are always made, even
 * with nothing exported: their ids go into log lines and the operations' timelines, and an
 * unexported span costs a few object allocations (no processor holds it).
 */
export function initTracing(service: string, options: TracingOptions): { shutdown(): Promise<void> } {
  processSide = options.side;
  const processors = [
    ...(options.export ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []),
    ...(options.processors ?? []),
  ];
  const next = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    spanProcessors: processors,
  });
  // W3C trace context only: baggage from callers is not something we carry along
  next.register({ propagator: new W3CTraceContextPropagator(), contextManager: new WorkContextManager() });
  provider = next;
  return { shutdown: () => next.shutdown() };
}

/**
 * OpenTelemetry's active context kept in the work's AsyncLocalStorage (correlation.ts) instead
 * of a storage of its own (the SDK's default): one store for every await to carry, not two.
 */
class WorkContextManager implements ContextManager {
  active(): Context {
    return (currentTraceSlot() as Context | undefined) ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return withTraceSlot(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => this.with(ctx, () => fn(...a))) as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    return this;
  }
}

/** This process's side of an operation's timeline. */
export function tracingSide(): StepSide {
  return processSide;
}

export function tracer(): Tracer {
  return trace.getTracer('xenplane');
}

/** Writes the active trace context into a carrier (HTTP headers, gRPC metadata, job data). */
export function injectTraceContext(set: (key: string, value: string) => void, ctx: Context = context.active()): void {
  propagation.inject(ctx, undefined, { set: (_carrier, key, value) => set(key, value) });
}

/** A trace context read from a carrier's `traceparent` (a malformed one is ignored: a new trace begins). */
export function extractTraceContext(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent });
}

/** The active span's trace and span ids, for log lines. */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const ids = trace.getActiveSpan()?.spanContext();
  return ids && isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : undefined;
}

/** Runs fn with span active. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Whether initTracing ran (unit tests of modules that make spans may go without). */
export function tracingStarted(): boolean {
  return provider !== undefined;
}
