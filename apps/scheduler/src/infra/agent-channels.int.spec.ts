import { StandaloneAgent, waitFor } from '@xenplane/testing';
import { AgentClientPool } from '@xenplane/agent-client';

describe('AgentClientPool: idle channels closed, busy ones kept (real agent, mutual TLS)', () => {
  const agent = new StandaloneAgent();
  let pool: AgentClientPool;
  beforeAll(async () => {
    await agent.start();
    pool = new AgentClientPool({ ...agent.controlPlane!, defaultDeadlineMs: 5_000, idleMs: 1_000 });
  });
  afterAll(async () => {
    pool?.close();
    await agent.destroy();
  });

  it('closes a channel idle for idleMs, and a later call gets a new one that works', async () => {
    const first = pool.get(agent.hostId, agent.address);
    await first.getHostInfo({});
    const since = first.idleSince()!;
    expect(pool.closeIdle(since + 999)).toBe(0);
    expect(pool.size).toBe(1);
    expect(pool.closeIdle(since + 1_000)).toBe(1);
    expect(pool.size).toBe(0);
    await expect(first.getHostInfo({})).rejects.toThrow();

    const second = pool.get(agent.hostId, agent.address);
    expect(second).not.toBe(first);
    expect((await second.getHostInfo({})).hostId).toBe(agent.hostId);
  });

  it('never closes a channel while a call is in flight on it, however long it lasts', async () => {
    const client = pool.get(agent.hostId, agent.address);
    const abort = new AbortController();
    const events = client.watchEvents({ sinceSeq: 0 }, { signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    const pending = iterator.next().catch(() => undefined);
    // the stream counts as in flight from the moment it is made (the client's own count): nothing to wait for
    expect(client.idleSince()).toBeUndefined();
    expect(pool.closeIdle(Date.now() + 3_600_000)).toBe(0);
    expect((await client.getHostInfo({})).hostId).toBe(agent.hostId);

    abort.abort();
    await pending;
    // the stream's end is counted when its status arrives
    await waitFor(
      'the cancelled stream counted as ended',
      async () => (client.idleSince() !== undefined ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    expect(pool.closeIdle(Date.now() + 1_000)).toBe(1);
  });
});
