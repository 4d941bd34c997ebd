import type { Request } from 'express';
import type { Token, TokenRepository } from '@xenplane/db';
import { hashSecret } from '@xenplane/domain';
import { type Authentication, TokenAuthenticator } from './token-authenticator';

const request = (secret?: string) =>
  ({ headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` } }) as Request;

/** A token table in memory that records every lookup, and can hold one back until released. */
function fakeTokens() {
  const rows = new Map<string, Partial<Token>>();
  const lookups: string[] = [];
  let held: (() => void) | undefined;
  const repo = {
    findByHash: async (hash: string) => {
      lookups.push(hash);
      const answer = rows.get(hash) ? { ...rows.get(hash) } : null; // the row as read now
      if (held === undefined) return answer;
      await new Promise<void>((resolve) => (held = resolve));
      return answer;
    },
  } as unknown as TokenRepository;
  return {
    repo,
    lookups,
    add(secret: string, row: Partial<Token> = {}) {
      const id = row.id ?? `id-${secret}`;
      rows.set(hashSecret(secret), {
        id,
        name: 'n',
        role: 'member',
        projectId: 'p',
        revokedAt: null,
        expiresAt: null,
        ...row,
      });
      return id;
    },
    revoke(secret: string) {
      rows.get(hashSecret(secret))!.revokedAt = new Date();
    },
    /** the next lookup waits for release() */
    hold() {
      held = () => undefined;
    },
    release() {
      const r = held;
      held = undefined;
      r?.();
    },
  };
}

const principalOf = (a: Authentication) => ('principal' in a ? a.principal : null);
const refusalOf = (a: Authentication) => ('refusal' in a ? a.refusal.message : null);

describe('TokenAuthenticator', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-05T12:00:00.000Z') }));
  afterEach(() => jest.useRealTimers());

  const make = (cacheMs = 2_000) => {
    const tokens = fakeTokens();
    const auth = new TokenAuthenticator(tokens.repo, { AUTH_CACHE_MS: cacheMs });
    auth.trustCache(true);
    return { tokens, auth };
  };

  it('authenticates a known token, and refuses a missing, malformed or unknown one without saying which exists', async () => {
    const { tokens, auth } = make();
    const id = tokens.add('xp_known-token-0000');
    expect(principalOf(await auth.authenticate(request('xp_known-token-0000')))).toEqual({
      tokenId: id,
      tokenName: 'n',
      role: 'member',
      projectId: 'p',
    });
    expect(refusalOf(await auth.authenticate(request()))).toBe('a valid bearer token is required');
    expect(refusalOf(await auth.authenticate(request('short')))).toBe('a valid bearer token is required');
    expect(refusalOf(await auth.authenticate(request('xp_unknown-token-00')))).toBe('the token is unknown or revoked');
    expect(tokens.lookups).toHaveLength(2); // malformed headers cost no lookup
  });

  it('authenticates a request once, however many guards ask', async () => {
    const { tokens, auth } = make(0);
    tokens.add('xp_known-token-0000');
    const req = request('xp_known-token-0000');
    await Promise.all([auth.authenticate(req), auth.authenticate(req)]);
    await auth.authenticate(req);
    expect(tokens.lookups).toHaveLength(1);
  });

  it('refuses an expired token saying when it expired, even while its lookup is cached', async () => {
    const { tokens, auth } = make(60_000);
    tokens.add('xp_expiring-token-0', { expiresAt: new Date('2026-12-05T12:00:01.000Z') });
    expect(principalOf(await auth.authenticate(request('xp_expiring-token-0')))).not.toBeNull();
    jest.advanceTimersByTime(1_000);
    expect(refusalOf(await auth.authenticate(request('xp_expiring-token-0')))).toBe(
      'the token expired at 2026-12-05T12:00:01.000Z',
    );
    expect(tokens.lookups).toHaveLength(1); // the cached lookup, judged again at its use
  });

  it('keeps the tokens in use cached when many others come and go (no clearing everything when full)', async () => {
    const { tokens, auth } = make();
    tokens.add('xp_busy-token-000000000000');
    await auth.authenticate(request('xp_busy-token-000000000000'));
    for (let i = 0; i < 10_500; i++) {
      await auth.authenticate(request(`xp_other-${i}`));
      if (i % 1_000 === 0 && i <= 9_000) await auth.authenticate(request('xp_busy-token-000000000000'));
    }
    tokens.lookups.length = 0;
    await auth.authenticate(request('xp_busy-token-000000000000'));
    await auth.authenticate(request('xp_other-10499'));
    expect(tokens.lookups).toEqual([]);
  });

  it('asks the database again once a cached answer is older than AUTH_CACHE_MS (the bound on a lost revocation)', async () => {
    const { tokens, auth } = make(2_000);
    tokens.add('xp_revocable-token-0000000');
    await auth.authenticate(request('xp_revocable-token-0000000'));
    tokens.revoke('xp_revocable-token-0000000'); // and the message is lost
    jest.advanceTimersByTime(1_999);
    expect(principalOf(await auth.authenticate(request('xp_revocable-token-0000000')))).not.toBeNull();
    jest.advanceTimersByTime(1);
    expect(refusalOf(await auth.authenticate(request('xp_revocable-token-0000000')))).toBe(
      'the token is unknown or revoked',
    );
  });

  it("forgets a revoked token's cached lookup at once, and only that token's", async () => {
    const { tokens, auth } = make(60_000);
    const id = tokens.add('xp_revoked-token-00');
    tokens.add('xp_kept-token-00000');
    await auth.authenticate(request('xp_revoked-token-00'));
    await auth.authenticate(request('xp_kept-token-00000'));
    tokens.revoke('xp_revoked-token-00');
    auth.forget(id);
    tokens.lookups.length = 0;
    expect(refusalOf(await auth.authenticate(request('xp_revoked-token-00')))).toBe('the token is unknown or revoked');
    expect(principalOf(await auth.authenticate(request('xp_kept-token-00000')))).not.toBeNull();
    expect(tokens.lookups).toEqual([hashSecret('xp_revoked-token-00')]);
  });

  it('does not cache a lookup that was under way when its token was revoked (it may predate the revocation)', async () => {
    const { tokens, auth } = make(60_000);
    const id = tokens.add('xp_racing-token-000');
    tokens.hold();
    const racing = auth.authenticate(request('xp_racing-token-000')); // reads the row before the revocation
    await Promise.resolve();
    tokens.revoke('xp_racing-token-000');
    auth.forget(id);
    tokens.release();
    expect(principalOf(await racing)).not.toBeNull(); // concurrent with the revocation: either answer is fair
    expect(refusalOf(await auth.authenticate(request('xp_racing-token-000')))).toBe('the token is unknown or revoked');
  });

  it('reads nothing cached while revocations do not reach it, and forgets what it cached when they do again', async () => {
    const { tokens, auth } = make(60_000);
    tokens.add('xp_token-while-down');
    await auth.authenticate(request('xp_token-while-down'));
    auth.trustCache(false); // the subscription dropped: revocations may be missed
    tokens.revoke('xp_token-while-down'); // one is
    tokens.lookups.length = 0;
    expect(refusalOf(await auth.authenticate(request('xp_token-while-down')))).toBe('the token is unknown or revoked');
    expect(tokens.lookups).toHaveLength(1);

    const other = make(60_000);
    other.tokens.add('xp_token-cached-old');
    await other.auth.authenticate(request('xp_token-cached-old'));
    other.tokens.revoke('xp_token-cached-old'); // its message lost while the subscription was down
    other.auth.trustCache(true); // subscribed again
    expect(refusalOf(await other.auth.authenticate(request('xp_token-cached-old')))).toBe(
      'the token is unknown or revoked',
    );
  });
});
