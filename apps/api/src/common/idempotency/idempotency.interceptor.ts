import { setTimeout as wait } from 'node:timers/promises';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { IdempotencyRepository, type Prisma } from '@xenplane/db';
import { API_CONFIG, type ApiConfig } from '../../config';
import type { AuthedRequest } from '../auth/auth.guard';
import { conflict, invalid } from '../errors/api-errors';
import { type Problem, ReplayedProblem } from '../errors/problem.filter';
import { SECRET_ANSWER_FIELDS } from './answer-holds-secret';
import { requestHash } from './request-hash';
import { answerKept, answerToKeep, idempotencyApplies, isIdempotencyKey, keyVerdict } from '@xenplane/domain';

/** The first request's handler, its response, and the answer's fields never stored (secrets). */
interface FirstAnswer {
  res: Response;
  secrets: readonly string[];
  handler: () => Promise<unknown>;
}

// How long the first request may take before a retry with the same key takes over.
const LEASE_MS = 30_000;
const POLL_MS = 25;
const WAIT_MS = 15_000;

/**
 * `Idempotency-Key` on any POST (API.md): the same key and body within the retention window
 * get the first answer again; another body gets 409. Concurrent duplicates wait for the first
 * to finish instead of running twice: the key is claimed in Postgres before the handler runs.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly records: IdempotencyRepository,
    private readonly reflector: Reflector,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const key = req.header('idempotency-key');
    if (!idempotencyApplies(req.method, key, !!req.principal)) return next.handle();
    if (!isIdempotencyKey(key)) throw invalid('Idempotency-Key', 'must be 1-200 printable ASCII characters');
    const res = ctx.switchToHttp().getResponse<Response>();
    const scope = req.principal!.tokenId;
    const hash = requestHash(req.method, req.path, req.body);
    const secrets = this.reflector.get<string[] | undefined>(SECRET_ANSWER_FIELDS, ctx.getHandler()) ?? [];
    const first: FirstAnswer = {
      res,
      secrets,
      handler: () => lastValueFrom(next.handle(), { defaultValue: undefined }),
    };
    return from(this.run(scope, key, hash, req.method, req.path, first));
  }

  private async run(scope: string, key: string, hash: string, method: string, path: string, first: FirstAnswer) {
    const deadline = new Date(Date.now() + WAIT_MS);
    for (;;) {
      if (await this.claim(scope, key, hash, method, path)) return this.answerFirst(scope, key, first);
      const record = await this.records.find(scope, key);
      const verdict = keyVerdict(record, hash, new Date(), deadline);
      switch (verdict.kind) {
        case 'claim':
          continue; // released by a failed first attempt: try to claim again
        case 'conflict-body':
          throw conflict('this Idempotency-Key was used with another request body');
        case 'replay':
          return this.replay(verdict.status, record!.body, first.res);
        case 'wait':
          if (verdict.takeOver && (await this.takeOver(scope, key))) return this.answerFirst(scope, key, first);
          if (verdict.givenUp) throw conflict('a request with this Idempotency-Key is still in progress');
          await wait(POLL_MS);
      }
    }
  }

  private async claim(scope: string, key: string, hash: string, method: string, path: string): Promise<boolean> {
    const now = Date.now();
    return this.records.claim({
      scope,
      key,
      method,
      path,
      requestHash: hash,
      lockedUntil: new Date(now + LEASE_MS),
      expiresAt: new Date(now + this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000),
    });
  }

  private async takeOver(scope: string, key: string): Promise<boolean> {
    return this.records.takeOver(scope, key, new Date(Date.now() + LEASE_MS));
  }

  private async answerFirst(scope: string, key: string, { res, secrets, handler }: FirstAnswer) {
    try {
      const body = await handler();
      if (answerKept(res.statusCode) === 'store') {
        const kept = answerToKeep(body ?? null, secrets) as Prisma.InputJsonValue;
        await this.records.recordAnswer(scope, key, res.statusCode, kept);
      } else {
        await this.records.release(scope, key);
      }
      return body;
    } catch (err) {
      // a refusal or a failure changed nothing: free the key so a retry runs the request again
      await this.records.release(scope, key);
      throw err;
    }
  }

  private replay(status: number, body: unknown, res: Response): unknown {
    res.setHeader('Idempotent-Replayed', 'true');
    if (status >= 400) throw new ReplayedProblem(body as Problem);
    res.status(status);
    return body;
  }
}
