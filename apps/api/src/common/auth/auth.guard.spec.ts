import type { TokenRepository } from '@xenplane/db';
import { hashSecret } from '@xenplane/domain';
import { AuthGuard } from './auth.guard';
import type { Principal } from './principal';

describe('AuthGuard token cache', () => {
  const lookups: string[] = [];
  const tokens = {
    findByHash: async (tokenHash: string) => {
      lookups.push(tokenHash);
      return { id: tokenHash, role: 'member', projectId: 'p', revokedAt: null };
    },
  } as unknown as TokenRepository;
  const guard = new AuthGuard(tokens) as unknown as {
    lookup(hash: string): Promise<Principal | null>;
  };

  beforeAll(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterAll(() => jest.useRealTimers());

  it('keeps the tokens in use cached when many others come and go (no clearing everything when full)', async () => {
    const busy = hashSecret('xp_busy-token-000000000000');
    await guard.lookup(busy);
    for (let i = 0; i < 10_500; i++) {
      await guard.lookup(hashSecret(`xp_other-${i}`));
      if (i % 1_000 === 0 && i <= 9_000) await guard.lookup(busy);
    }
    lookups.length = 0;
    await guard.lookup(busy);
    await guard.lookup(hashSecret('xp_other-10499'));
    expect(lookups).toEqual([]);
  });

  it('asks the database again once a cached answer is older than 2 s (a revoked token stops working)', async () => {
    const token = hashSecret('xp_revocable-token-0000000');
    await guard.lookup(token);
    lookups.length = 0;
    jest.advanceTimersByTime(1_999);
    await guard.lookup(token);
    expect(lookups).toEqual([]);
    jest.advanceTimersByTime(1);
    await guard.lookup(token);
    expect(lookups).toEqual([token]);
  });
});
