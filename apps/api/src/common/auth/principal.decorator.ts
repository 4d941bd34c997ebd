import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../errors/api-errors';
import type { AuthedRequest } from './auth.guard';
import type { Principal } from './principal';

/** The authenticated caller of this request. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new ApiError('internal', 'no principal on an authenticated route');
  return principal;
});
