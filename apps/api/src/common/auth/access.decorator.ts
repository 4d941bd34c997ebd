import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { AccessLevel } from './principal';

export const ACCESS_KEY = 'xenplane:access';

/**
 * Every route declares who may call it; the guard refuses a route that does not, so a new
 * endpoint cannot ship open by accident (see also the route-declaration test).
 */
export function Access(level: AccessLevel) {
  // enrollment routes authenticate with the one-time token in their body, not a bearer token
  const doc = level === 'public' || level === 'enrollment' ? [] : [ApiBearerAuth()];
  return applyDecorators(SetMetadata(ACCESS_KEY, level), ...doc);
}
