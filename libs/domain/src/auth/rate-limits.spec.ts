import { rateLimitBucket, retryAfterSeconds } from './rate-limits';
import { routeAccess } from './route-access';

describe('rateLimitBucket', () => {
  const token = { tokenId: 't1' };

  it('limits nothing on public routes (health, readiness), token or not', () => {
    for (const route of ['GET /healthz', 'GET /readyz']) {
      expect(rateLimitBucket(routeAccess(route), null)).toEqual({ kind: 'none' });
      expect(rateLimitBucket(routeAccess(route), token)).toEqual({ kind: 'none' });
    }
  });

  it('limits enrollment per source address: its one-time token is not a caller', () => {
    const enroll = routeAccess('POST /v1/hosts/enroll');
    expect(rateLimitBucket(enroll, null)).toEqual({ kind: 'address' });
    expect(rateLimitBucket(enroll, token)).toEqual({ kind: 'address' });
  });

  it('limits an authenticated request per token, whatever its role lets it do', () => {
    for (const route of ['GET /v1/whoami', 'POST /v1/vms', 'POST /v1/pools', 'GET /v1/projects'])
      expect(rateLimitBucket(routeAccess(route), token)).toEqual({ kind: 'token', tokenId: 't1' });
  });

  it('limits a request whose token did not authenticate (none, bad, expired, revoked) per address', () => {
    expect(rateLimitBucket(routeAccess('GET /v1/whoami'), null)).toEqual({ kind: 'address' });
    // a route the role matrix does not name is refused by the auth guard; it is still counted
    expect(rateLimitBucket(undefined, null)).toEqual({ kind: 'address' });
    expect(rateLimitBucket(undefined, token)).toEqual({ kind: 'token', tokenId: 't1' });
  });
});

describe('retryAfterSeconds', () => {
  it('asks for whole seconds, at least one', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(0.2)).toBe(1);
    expect(retryAfterSeconds(59)).toBe(59);
    expect(retryAfterSeconds(59.01)).toBe(60);
  });
});
