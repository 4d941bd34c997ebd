import { EventEmitter } from 'node:events';
import type { ApiConfig } from '../../config';
import type { ApiRedis } from '../../infra/redis.module';
import type { TokenAuthenticator } from './token-authenticator';
import { TokenRevocations } from './token-revocations';

/** A subscriber connection that emits what ioredis does, and the calls the authenticator got. */
function setup(publish: (channel: string, message: string) => Promise<number>) {
  const subscriber = Object.assign(new EventEmitter(), {
    subscribed: [] as string[],
    subscribe: async (channel: string) => {
      subscriber.subscribed.push(channel);
      return 1;
    },
  });
  const calls: string[] = [];
  const authenticator = {
    forget: (id: string) => calls.push(`forget ${id}`),
    trustCache: (trusted: boolean) => calls.push(`trust ${trusted}`),
  } as unknown as TokenAuthenticator;
  const redis = {
    client: { publish },
    key: (name: string) => `cloud-a:${name}`,
    subscriber: () => subscriber,
  } as unknown as ApiRedis;
  const revocations = new TokenRevocations(redis, authenticator, { AUTH_CACHE_MS: 2_000 } as ApiConfig);
  revocations.onModuleInit();
  return { revocations, subscriber, calls };
}

describe('TokenRevocations', () => {
  afterEach(() => jest.useRealTimers());

  it("trusts the cache only once subscribed to this cloud's channel, and no more once the connection closes", async () => {
    const { subscriber, calls } = setup(async () => 1);
    subscriber.emit('ready');
    await new Promise((r) => setImmediate(r));
    expect(subscriber.subscribed).toEqual(['cloud-a:token-revocations']);
    subscriber.emit('close');
    subscriber.emit('ready'); // reconnected: subscribes afresh, forgetting what was cached meanwhile
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['trust true', 'trust false', 'trust true']);
    expect(subscriber.subscribed).toHaveLength(2);
  });

  it("forgets the tokens announced on this cloud's channel only", () => {
    const { subscriber, calls } = setup(async () => 1);
    subscriber.emit('message', 'cloud-a:token-revocations', 'token-1');
    subscriber.emit('message', 'cloud-b:token-revocations', 'token-2');
    expect(calls).toEqual(['forget token-1']);
  });

  it('announces a revocation: forgets it here at once, publishes it, and answers when published', async () => {
    const published: string[] = [];
    const { revocations, calls } = setup(async (channel, id) => {
      published.push(`${channel} ${id}`);
      return 2;
    });
    await revocations.announce('token-1');
    expect(calls).toEqual(['forget token-1']);
    expect(published).toEqual(['cloud-a:token-revocations token-1']);
  });

  it('answers only once every cached lookup has expired (AUTH_CACHE_MS) when the publish fails', async () => {
    jest.useFakeTimers();
    const { revocations, calls } = setup(async () => {
      throw new Error("Stream isn't writeable");
    });
    let answered = false;
    const done = revocations.announce('token-1').then(() => (answered = true));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(answered).toBe(true);
    expect(calls).toEqual(['forget token-1']);
  });

  it('takes a publish that does not answer within a second as failed', async () => {
    jest.useFakeTimers();
    const { revocations } = setup(() => new Promise(() => undefined));
    let answered = false;
    const done = revocations.announce('token-1').then(() => (answered = true));
    await jest.advanceTimersByTimeAsync(1_000 + 1_999);
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(answered).toBe(true);
  });
});
