import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import type { ApiConfig } from '../../config';
import type { Authentication, TokenAuthenticator } from '../auth/token-authenticator';
import { ApiError, unauthorized } from '../errors/api-errors';
import { RateLimitGuard } from './rate-limit.guard';

/** Counters in memory, as the Redis storage keeps them: a key over its limit is blocked for the window. */
function memoryStorage() {
  const hits = new Map<string, number>();
  const storage: ThrottlerStorage = {
    increment: async (key, ttl, limit, _block, name) => {
      const k = `${key}|${name}`;
      const n = (hits.get(k) ?? 0) + 1;
      hits.set(k, n);
      return { totalHits: n, timeToExpire: ttl / 1_000, isBlocked: n > limit, timeToBlockExpire: n > limit ? 42 : 0 };
    },
  };
  return { storage, hits };
}

// a route of each kind the role matrix names, as Express gives it (method, route path)
const ROUTES = {
  public: ['GET', '/healthz'],
  enrollment: ['POST', '/v1/hosts/enroll'],
  viewer: ['GET', '/v1/whoami'],
  admin: ['GET', '/v1/projects'],
} as const;
class SomeController {}
function route() {}

const VALID = 'xp_valid-token-0000';

async function makeGuard(limits: { perToken: number; perAddress: number }) {
  const { storage, hits } = memoryStorage();
  const authenticator = {
    authenticate: async (req: Request): Promise<Authentication> =>
      req.headers.authorization === `Bearer ${VALID}`
        ? { principal: { tokenId: 'token-1', tokenName: 't', role: 'member', projectId: 'p' } }
        : { refusal: unauthorized() },
  } as unknown as TokenAuthenticator;
  const options: ThrottlerModuleOptions = {
    throttlers: [
      { name: 'token', ttl: 60_000, limit: limits.perToken },
      { name: 'address', ttl: 60_000, limit: limits.perAddress },
    ],
    setHeaders: false,
  };
  const guard = new RateLimitGuard(options, storage, new Reflector(), authenticator, {
    XENPLANE_QUEUE_PREFIX: 'cloud-a',
  } as ApiConfig);
  await guard.onModuleInit();
  const headers: Record<string, string> = {};
  const call = (level: keyof typeof ROUTES, opts: { token?: string; ip?: string } = {}) => {
    const [method, path] = ROUTES[level];
    const req = {
      method,
      route: { path },
      ip: opts.ip ?? '192.0.2.7',
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    } as unknown as Request;
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const ctx = {
      getHandler: () => route,
      getClass: () => SomeController,
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
    return guard.canActivate(ctx);
  };
  return { call, hits, headers };
}

describe('RateLimitGuard', () => {
  it("counts an authenticated request against its token, across routes, in this cloud's keys", async () => {
    const { call, hits } = await makeGuard({ perToken: 2, perAddress: 100 });
    await call('viewer', { token: VALID });
    await call('admin', { token: VALID }); // the auth guard refuses it later: still a request
    expect(Object.fromEntries(hits)).toEqual({ 'cloud-a:rate-limit:token-1|token': 2 });
    await expect(call('viewer', { token: VALID, ip: '198.51.100.1' })).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('counts requests without a valid token, and enrollments, against their address', async () => {
    const { call, hits } = await makeGuard({ perToken: 100, perAddress: 3 });
    await call('viewer', { token: 'xp_guessed-token-00' });
    await call('viewer');
    await call('enrollment', { token: VALID }); // a bearer token does not make an enrollment authenticated
    expect(Object.fromEntries(hits)).toEqual({ 'cloud-a:rate-limit:192.0.2.7|address': 3 });
    await expect(call('viewer', { token: 'xp_guessed-token-01' })).rejects.toMatchObject({ code: 'rate_limited' });
    // another address, and a valid token from this one, are not held back by these guesses
    await expect(call('viewer', { token: 'xp_guessed-token-02', ip: '192.0.2.8' })).resolves.toBe(true);
    await expect(call('viewer', { token: VALID })).resolves.toBe(true);
  });

  it('answers 429 problem with Retry-After in seconds', async () => {
    const { call, headers } = await makeGuard({ perToken: 100, perAddress: 1 });
    await call('viewer');
    const refused = await call('viewer').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      code: 'rate_limited',
      status: 429,
      message: 'too many requests from this address without a valid token; retry in 42 s',
      extra: { retryAfterSeconds: 42 },
    });
    expect(headers).toEqual({ 'Retry-After': '42' });
  });

  it('never counts public routes (health, readiness, metrics), and a limit of 0 is none', async () => {
    const { call, hits } = await makeGuard({ perToken: 0, perAddress: 0 });
    for (let i = 0; i < 5; i++) {
      await expect(call('public')).resolves.toBe(true);
      await expect(call('viewer', { token: VALID })).resolves.toBe(true);
      await expect(call('viewer')).resolves.toBe(true);
    }
    expect(hits.size).toBe(0);
  });
});
