import { secretPrefix } from './secrets';

/** How far ahead a token's expiry may be set: ten calendar years. */
export const MAX_TOKEN_LIFETIME_YEARS = 10;

/** What decides whether a token still authenticates. */
export interface TokenLife {
  revokedAt: Date | null;
  expiresAt: Date | null;
}

export type TokenStanding =
  { usable: true } | { usable: false; reason: 'revoked' } | { usable: false; reason: 'expired'; expiredAt: Date };

/** Whether a token authenticates at `now`: not revoked, and not past its expiry (an expiry is exclusive). */
export function tokenStanding(t: TokenLife, now: Date): TokenStanding {
  if (t.revokedAt) return { usable: false, reason: 'revoked' };
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime())
    return { usable: false, reason: 'expired', expiredAt: t.expiresAt };
  return { usable: true };
}

/** The latest expiry a token created at `now` may have. */
export function latestExpiry(now: Date): Date {
  const latest = new Date(now.getTime());
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_TOKEN_LIFETIME_YEARS);
  return latest;
}

/** Why an expiry asked for at `now` is refused, or null when it is acceptable. */
export function expiryRefusal(expiresAt: Date, now: Date): string | null {
  if (Number.isNaN(expiresAt.getTime())) return 'must be an ISO 8601 date and time';
  if (expiresAt.getTime() <= now.getTime()) return 'must be in the future';
  if (expiresAt.getTime() > latestExpiry(now).getTime())
    return `must be at most ${MAX_TOKEN_LIFETIME_YEARS} years from now`;
  return null;
}

/**
 * Who chose a token's secret: generated here (`xp_` and 256 random bits) or by a person
 * (XENPLANE_ADMIN_TOKEN).
 */
export type SecretOrigin = 'generated' | 'chosen';

/**
 * What is stored to tell tokens apart in a listing. Only a generated secret's first characters:
 * they are its fixed `xp_` and a few of its random ones, harmless to show. A secret a person
 * chose may be a password used elsewhere, or short enough that its first characters are much
 * of it: nothing of it is kept.
 */
export function storedPrefix(secret: string, origin: SecretOrigin): string | null {
  return origin === 'generated' ? secretPrefix(secret) : null;
}
