import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { TokenRepository } from '@xenplane/db';
import { ApiError, forbidden, unauthorized } from '../errors/api-errors';
import { LruCache } from './lru-cache';
import type { Principal } from './principal';
import { hashSecret, needsToken, routeAccess, routeAllows, routeKey } from '@xenplane/domain';

export type AuthedRequest = Request & { principal?: Principal };

// Token lookups are cached briefly: a revoked token stops working within this many ms. A full
// cache makes room by dropping the token least recently used, not every token at once.
const CACHE_MS = 2_000;
const CACHE_MAX = 10_000;

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly cache = new LruCache<string, Principal | null>(CACHE_MAX, CACHE_MS);

  constructor(private readonly tokens: TokenRepository) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const access = routeAccess(routeKey(req.method, (req.route as { path?: string } | undefined)?.path ?? ''));
    // a route missing from the role matrix is closed, not open (and the API does not start with one)
    if (!access) throw new ApiError('internal', 'route declares no access level');
    if (!needsToken(access)) return true;
    const principal = await this.authenticate(req.headers.authorization);
    if (!routeAllows(access, principal)) throw forbidden(`this call needs the ${access.levels.join(' or ')} role`);
    req.principal = principal;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header ?? '');
    if (!match) throw unauthorized();
    const hash = hashSecret(match[1]);
    const principal = await this.lookup(hash);
    if (!principal) throw unauthorized('the token is unknown or revoked');
    return principal;
  }

  private async lookup(hash: string): Promise<Principal | null> {
    const hit = this.cache.get(hash);
    if (hit !== undefined) return hit;
    const token = await this.tokens.findByHash(hash);
    const principal =
      token && !token.revokedAt
        ? { tokenId: token.id, tokenName: token.name, role: token.role, projectId: token.projectId }
        : null;
    this.cache.set(hash, principal);
    return principal;
  }
}
