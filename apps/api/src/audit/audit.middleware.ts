import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import type { AuthedRequest } from '../common/auth/auth.guard';
import { AuditRecorder } from './audit-recorder';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How long an answer waits for its audit row before leaving anyway (the row is still written). */
export const AUDIT_WAIT_MS = 2_000;

/**
 * Records every request that may change something, whatever ends it: a handler's answer, or a
 * refusal by the guard, a pipe or the problem filter (an interceptor would not see the guard's).
 * It holds the answer's last write until the audit row is in: a client holding an answer knows
 * its request is in the trail (within AUDIT_WAIT_MS: a slower write lets the answer go first).
 */
@Injectable()
export class AuditMiddleware implements NestMiddleware {
  constructor(private readonly recorder: AuditRecorder) {}

  use(req: AuthedRequest, res: Response, next: NextFunction): void {
    if (READS.has(req.method)) return next();
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let ended = false;
    res.end = ((...args: unknown[]) => {
      if (ended) return end(...args);
      ended = true;
      void atMost(this.recorder.record(req, res, args[0]), AUDIT_WAIT_MS).then(() => end(...args));
      return res;
    }) as Response['end'];
    next();
  }
}

/** Settles when `work` does (it never rejects: the recorder catches), or after `ms`. */
function atMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
