import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { needsToken, type RateLimitBucket, rateLimitBucket, retryAfterSeconds } from '@xenplane/domain';
import { API_CONFIG, type ApiConfig } from '../../config';
import { accessOf } from '../auth/auth.guard';
import { TokenAuthenticator } from '../auth/token-authenticator';
import { ApiError } from '../errors/api-errors';
import { rateLimited } from './rate-limit.metrics';

/** The throttlers of rate-limit.module.ts, named after the bucket whose budget they count. */
export type ThrottlerName = Exclude<RateLimitBucket['kind'], 'none'>;

const BUCKETS = new WeakMap<object, RateLimitBucket>();

/**
 * Rate limits per token and per source address (rateLimitBucket decides which a request
 * spends), counted in Redis so every API replica shares them. It runs before the auth guard
 * (app.module.ts) and authenticates the request itself: a request whose token fails spends its
 * address's budget, so guessing tokens is slowed, and once that is spent it answers 429 instead
 * of 401. A refused request goes no further: nothing is written.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: TokenAuthenticator,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const access = accessOf(req);
    const auth = access && !needsToken(access) ? undefined : await this.authenticator.authenticate(req);
    const bucket = rateLimitBucket(access, auth && 'principal' in auth ? auth.principal : null);
    if (bucket.kind === 'none') return true;
    BUCKETS.set(req, bucket);
    return super.canActivate(ctx);
  }

  // a request spends one budget: the throttler named after its bucket; a limit of 0 is none
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const bucket = BUCKETS.get(this.getRequestResponse(props.context).req);
    if (props.throttler.name !== bucket?.kind || props.limit <= 0) return true;
    return super.handleRequest(props);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const bucket = BUCKETS.get(req);
    // an address as the library normalizes it: IPv6 by its /64, as one host usually holds one
    return bucket?.kind === 'token' ? bucket.tokenId : super.getTracker(req);
  }

  // one budget per token or address across every route (the library's default is one per
  // route), in this cloud's keys: two clouds on one Redis do not share limits
  protected override generateKey(_ctx: ExecutionContext, tracker: string): string {
    return `${this.config.XENPLANE_QUEUE_PREFIX}:rate-limit:${tracker}`;
  }

  protected override async throwThrottlingException(
    ctx: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const bucket = BUCKETS.get(ctx.switchToHttp().getRequest<Request>());
    const seconds = retryAfterSeconds(detail.timeToBlockExpire);
    ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    rateLimited.inc({ bucket: bucket?.kind ?? 'address' });
    const whose = bucket?.kind === 'token' ? 'with this token' : 'from this address without a valid token';
    throw new ApiError('rate_limited', `too many requests ${whose}; retry in ${seconds} s`, undefined, {
      retryAfterSeconds: seconds,
    });
  }
}
