import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { TokenRepository } from '@xenplane/db';
import { hashSecret, tokenStanding } from '@xenplane/domain';
import { API_CONFIG, type ApiConfig } from '../../config';
import { type ApiError, unauthorized } from '../errors/api-errors';
import { LruCache } from './lru-cache';
import type { Principal } from './principal';

/** Who a request's bearer token says it is, or why it does not authenticate (a 401 to answer). */
export type Authentication = { principal: Principal } | { refusal: ApiError };

/** A token that was not revoked when looked up; its expiry is checked on every use. */
interface CachedToken {
  principal: Principal;
  expiresAt: Date | null;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{10,200})$/;
// a full cache makes room by dropping the token least recently used, not every token at once
const CACHE_MAX = 10_000;

/**
 * Authenticates bearer tokens, once per request whoever asks first (the rate limiter, to know
 * whose budget a request spends, then the auth guard). Lookups are cached for AUTH_CACHE_MS, and
 * the cache is read only while revocations reach this replica (TokenRevocations): a revoked
 * token is forgotten at once, and a subscription lost and regained forgets everything, since
 * revocations published meanwhile were missed. AUTH_CACHE_MS bounds what a message lost
 * otherwise can cost.
 */
@Injectable()
export class TokenAuthenticator {
  private readonly cache: LruCache<string, CachedToken | null>;
  private readonly byRequest = new WeakMap<object, Promise<Authentication>>();
  // bumped whenever cached tokens are forgotten: a lookup that began before does not cache its
  // answer, which may predate the revocation that made us forget
  private generation = 0;
  private cacheTrusted = false;

  constructor(
    private readonly tokens: TokenRepository,
    @Inject(API_CONFIG) config: Pick<ApiConfig, 'AUTH_CACHE_MS'>,
  ) {
    this.cache = new LruCache(CACHE_MAX, config.AUTH_CACHE_MS);
  }

  /** The request's authentication, looked up on the first call for it and shared by the later ones. */
  authenticate(req: Request): Promise<Authentication> {
    let pending = this.byRequest.get(req);
    if (!pending) {
      pending = this.resolve(req.headers.authorization);
      this.byRequest.set(req, pending);
    }
    return pending;
  }

  /** A revoked token: its cached lookups are dropped, here and in lookups under way. */
  forget(tokenId: string): void {
    this.generation++;
    this.cache.deleteWhere((t) => t?.principal.tokenId === tokenId);
  }

  /**
   * Whether revocations reach this replica. While they do not, every request asks the database;
   * when they do again, whatever was cached before is forgotten.
   */
  trustCache(trusted: boolean): void {
    if (trusted) {
      this.generation++;
      this.cache.clear();
    }
    this.cacheTrusted = trusted;
  }

  private async resolve(header: string | undefined): Promise<Authentication> {
    const match = BEARER.exec(header ?? '');
    if (!match) return { refusal: unauthorized() };
    const token = await this.lookup(hashSecret(match[1]));
    if (!token) return { refusal: unauthorized('the token is unknown or revoked') };
    const standing = tokenStanding({ revokedAt: null, expiresAt: token.expiresAt }, new Date());
    if (!standing.usable)
      return {
        refusal: unauthorized(
          standing.reason === 'expired'
            ? `the token expired at ${standing.expiredAt.toISOString()}`
            : 'the token is unknown or revoked',
        ),
      };
    return { principal: token.principal };
  }

  private async lookup(hash: string): Promise<CachedToken | null> {
    if (this.cacheTrusted) {
      const hit = this.cache.get(hash);
      if (hit !== undefined) return hit;
    }
    const generation = this.generation;
    const row = await this.tokens.findByHash(hash);
    const token =
      row && !row.revokedAt
        ? {
            principal: { tokenId: row.id, tokenName: row.name, role: row.role, projectId: row.projectId },
            expiresAt: row.expiresAt,
          }
        : null;
    if (generation === this.generation) this.cache.set(hash, token);
    return token;
  }
}
