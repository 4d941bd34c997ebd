import type { NextFunction, Request, Response } from 'express';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { extractTraceContext, preciseNow, TRACEPARENT, tracer, withSpan, withWork } from '@xenplane/observability';

/**
 * Each request is a span (the caller's trace continued when it sends a W3C `traceparent`), active
 * while it is handled: what it logs carries its trace id, the jobs it queues carry its trace
 * context, and the operations it commits have their first timeline step begin at its arrival.
 */
export function requestTrace(req: Request, res: Response, next: NextFunction): void {
  const startedAt = preciseNow();
  const span = tracer().startSpan(
    req.method,
    { kind: SpanKind.SERVER, startTime: startedAt, attributes: { 'http.request.method': req.method } },
    extractTraceContext(req.header(TRACEPARENT)),
  );
  let ended = false;
  // 'close' alone when the caller went away before the answer
  const end = () => {
    if (ended) return;
    ended = true;
    // the route template, not the URL: ids in span names would make every request a name of its own
    const route = (req.route as { path?: string } | undefined)?.path;
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  res.on('finish', end);
  res.on('close', end);
  withWork({ startedAt }, () => withSpan(span, next));
}
