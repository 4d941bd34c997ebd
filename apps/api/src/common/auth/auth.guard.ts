import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { needsToken, type RouteAccess, routeAccess, routeAllows, routeKey } from '@xenplane/domain';
import { ApiError, forbidden } from '../errors/api-errors';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token-authenticator';
import { TokenUsage } from './token-usage';

export type AuthedRequest = Request & { principal?: Principal };

/** Who may call the route of this request, as the role matrix says (undefined: it does not name it). */
export function accessOf(req: Request): RouteAccess | undefined {
  return routeAccess(routeKey(req.method, (req.route as { path?: string } | undefined)?.path ?? ''));
}

/**
 * Who may call a route: the role matrix against the request's token. Runs after the rate
 * limiter (app.module.ts), which has authenticated the request already to know whose budget it
 * spends; the authentication is shared, not repeated.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: TokenAuthenticator,
    private readonly usage: TokenUsage,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const access = accessOf(req);
    // a route missing from the role matrix is closed, not open (and the API does not start with one)
    if (!access) throw new ApiError('internal', 'route declares no access level');
    if (!needsToken(access)) return true;
    const auth = await this.authenticator.authenticate(req);
    if ('refusal' in auth) throw auth.refusal;
    const { principal } = auth;
    this.usage.note(principal.tokenId);
    if (!routeAllows(access, principal)) throw forbidden(`this call needs the ${access.levels.join(' or ')} role`);
    req.principal = principal;
    return true;
  }
}
