import { newSecret } from './secrets';
import { expiryRefusal, latestExpiry, storedPrefix, tokenStanding } from './token-lifecycle';

const now = new Date('2026-12-05T12:00:00.000Z');
const at = (iso: string) => new Date(iso);

describe('tokenStanding', () => {
  it('lets a token without expiry or revocation authenticate', () => {
    expect(tokenStanding({ revokedAt: null, expiresAt: null }, now)).toEqual({ usable: true });
  });

  it('lets a token authenticate until its expiry, not at it', () => {
    const expiresAt = at('2026-12-05T12:00:00.001Z');
    expect(tokenStanding({ revokedAt: null, expiresAt }, now)).toEqual({ usable: true });
    expect(tokenStanding({ revokedAt: null, expiresAt }, expiresAt)).toEqual({
      usable: false,
      reason: 'expired',
      expiredAt: expiresAt,
    });
  });

  it('says revoked before expired: revocation is what an operator did', () => {
    const t = { revokedAt: at('2026-01-01T00:00:00Z'), expiresAt: at('2026-02-01T00:00:00Z') };
    expect(tokenStanding(t, now)).toEqual({ usable: false, reason: 'revoked' });
  });
});

describe('expiryRefusal', () => {
  it('accepts an expiry in the future, up to ten calendar years ahead', () => {
    expect(expiryRefusal(at('2026-12-05T12:00:01Z'), now)).toBeNull();
    expect(expiryRefusal(at('2036-12-05T12:00:00Z'), now)).toBeNull();
    expect(latestExpiry(now)).toEqual(at('2036-12-05T12:00:00Z'));
  });

  it('refuses an expiry now or past, saying so', () => {
    expect(expiryRefusal(now, now)).toBe('must be in the future');
    expect(expiryRefusal(at('2020-01-01T00:00:00Z'), now)).toBe('must be in the future');
  });

  it('refuses an expiry more than ten years ahead, and one that is not a date', () => {
    expect(expiryRefusal(at('2036-12-05T12:00:00.001Z'), now)).toBe('must be at most 10 years from now');
    expect(expiryRefusal(at('9999-01-01T00:00:00Z'), now)).toBe('must be at most 10 years from now');
    expect(expiryRefusal(new Date(Number.NaN), now)).toBe('must be an ISO 8601 date and time');
  });
});

describe('storedPrefix', () => {
  it('keeps the first characters of a generated secret, a display aid that does not reveal it', () => {
    const secret = newSecret('xp');
    const prefix = storedPrefix(secret, 'generated');
    expect(prefix).toBe(secret.slice(0, 10));
    expect(prefix).toMatch(/^xp_[A-Za-z0-9_-]{7}$/);
  });

  it('keeps nothing of a secret a person chose, not even of one shaped like a generated one', () => {
    expect(storedPrefix('correct-horse-battery-staple', 'chosen')).toBeNull();
    expect(storedPrefix(newSecret('xp'), 'chosen')).toBeNull();
  });
});
