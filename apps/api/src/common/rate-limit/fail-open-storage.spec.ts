import type { ThrottlerStorage } from '@nestjs/throttler';
import { FailOpenStorage } from './fail-open-storage';

const NOT_LIMITED = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

describe('FailOpenStorage', () => {
  it("passes the counters' answer on", async () => {
    const answer = { totalHits: 7, timeToExpire: 30, isBlocked: true, timeToBlockExpire: 30 };
    const inner: ThrottlerStorage = { increment: async () => answer };
    await expect(new FailOpenStorage(inner).increment('k', 60_000, 5, 60_000, 'token')).resolves.toEqual(answer);
  });

  it('does not limit while Redis refuses (the API works without Redis)', async () => {
    const inner: ThrottlerStorage = {
      increment: async () => {
        throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      },
    };
    await expect(new FailOpenStorage(inner).increment('k', 60_000, 5, 60_000, 'token')).resolves.toEqual(NOT_LIMITED);
  });

  it('does not hold a request longer than its timeout while Redis does not answer', async () => {
    jest.useFakeTimers();
    try {
      const inner: ThrottlerStorage = { increment: () => new Promise(() => undefined) };
      const answer = new FailOpenStorage(inner, 500).increment('k', 60_000, 5, 60_000, 'address');
      await jest.advanceTimersByTimeAsync(500);
      await expect(answer).resolves.toEqual(NOT_LIMITED);
    } finally {
      jest.useRealTimers();
    }
  });
});
