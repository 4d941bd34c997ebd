import type { NextFunction, Request, Response } from 'express';
import { CORRELATION_HEADER, currentCorrelationId, getLogger, withCorrelationId } from '@xenplane/observability';
import { httpRequestSeconds } from '../../health/metrics';
import type { AuthedRequest } from '../auth/auth.guard';

const log = getLogger('http');

/**
 * Gives every request a correlation id (the caller's, if it is a safe one) that follows it
 * through the queue to the agent, logs one line per request (with the caller's token id and
 * name), and times it.
 */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  withCorrelationId(req.header(CORRELATION_HEADER), () => {
    const started = process.hrtime.bigint();
    res.setHeader(CORRELATION_HEADER, currentCorrelationId() ?? '');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // the route template, not the URL: ids would explode the metric's cardinality
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      httpRequestSeconds.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // the token by its id and name, never its secret (none when the guard refused it)
      const principal = (req as AuthedRequest).principal;
      log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          ...(principal ? { tokenId: principal.tokenId, tokenName: principal.tokenName } : {}),
        },
        'request',
      );
    });
    next();
  });
}
