import type { TokenRepository, TokenUse } from '@xenplane/db';
import { TokenUsage } from './token-usage';

function fakeTokens() {
  const writes: TokenUse[][] = [];
  let failing = false;
  const repo = {
    markUsed: async (uses: TokenUse[]) => {
      if (failing) throw new Error('database unavailable');
      writes.push(uses.map((u) => ({ ...u })));
    },
  } as unknown as TokenRepository;
  return { repo, writes, fail: (f: boolean) => (failing = f) };
}

const t0 = new Date('2026-12-05T12:00:00.000Z').getTime();
const at = (ms: number) => new Date(t0 + ms);

describe('TokenUsage', () => {
  beforeEach(() => jest.useFakeTimers({ now: t0 }));
  afterEach(() => jest.useRealTimers());

  const start = () => {
    const tokens = fakeTokens();
    const usage = new TokenUsage(tokens.repo, { TOKEN_LAST_USED_FLUSH_MS: 5_000 });
    usage.onModuleInit();
    return { tokens, usage };
  };

  it('writes many uses of a few tokens as one batch per interval, each token at its latest use', async () => {
    const { tokens, usage } = start();
    for (let i = 0; i < 3_000; i++) usage.note(['a', 'b', 'c'][i % 3]!, at(i));
    await jest.advanceTimersByTimeAsync(4_999);
    expect(tokens.writes).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(tokens.writes).toEqual([
      [
        { id: 'a', at: at(2_997) },
        { id: 'b', at: at(2_998) },
        { id: 'c', at: at(2_999) },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(5_000); // nothing new: no write
    expect(tokens.writes).toHaveLength(1);
    await usage.beforeApplicationShutdown();
  });

  it('keeps the uses of a failed write for the next one, a newer use of a token replacing its older', async () => {
    const { tokens, usage } = start();
    usage.note('a', at(1));
    usage.note('b', at(2));
    tokens.fail(true);
    await jest.advanceTimersByTimeAsync(5_000);
    usage.note('b', at(6_000));
    tokens.fail(false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(tokens.writes.map((w) => [...w].sort((x, y) => x.id.localeCompare(y.id)))).toEqual([
      [
        { id: 'a', at: at(1) },
        { id: 'b', at: at(6_000) },
      ],
    ]);
    await usage.beforeApplicationShutdown();
  });

  it('writes what was noted at shutdown, after a write under way, and then stops', async () => {
    const { tokens, usage } = start();
    usage.note('a', at(1));
    const underWay = usage.flush();
    usage.note('b', at(2)); // noted while the write of a is under way
    await usage.beforeApplicationShutdown();
    await underWay;
    expect(tokens.writes).toEqual([[{ id: 'a', at: at(1) }], [{ id: 'b', at: at(2) }]]);
    usage.note('c', at(3));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(tokens.writes).toHaveLength(2); // the interval was stopped
  });
});
