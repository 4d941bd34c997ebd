import { needsToken, type RouteAccess } from './route-access';

/**
 * The API's rate limits when not configured (RATE_LIMIT_* in apps/api/src/config.ts): requests
 * per window, per token once authenticated, per source address otherwise.
 */
export const DEFAULT_RATE_LIMITS = {
  windowSeconds: 60,
  perToken: 6_000,
  perAddressUnauthenticated: 120,
} as const;

/**
 * Whose budget a request spends: none (health and readiness), its token's once the token
 * authenticated, else its source address's. A request with a bad, expired or revoked token
 * spends its address's budget like one without a token, so guessing tokens is slowed, while a
 * valid token is never held back by guesses from its own address.
 */
export type RateLimitBucket = { kind: 'none' } | { kind: 'address' } | { kind: 'token'; tokenId: string };

export function rateLimitBucket(
  access: RouteAccess | undefined,
  authenticated: { tokenId: string } | null,
): RateLimitBucket {
  if (access?.levels.includes('public')) return { kind: 'none' };
  // enrollment authenticates with a one-time token in its body: unauthenticated as far as limits go
  if (!authenticated || (access && !needsToken(access))) return { kind: 'address' };
  return { kind: 'token', tokenId: authenticated.tokenId };
}

/** Retry-After in whole seconds, at least 1: a block about to end still asks for a second. */
export function retryAfterSeconds(secondsLeft: number): number {
  return Math.max(1, Math.ceil(secondsLeft));
}
