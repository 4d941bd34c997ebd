import type { Peer } from '@xenplane/proto';
import type { PeerAgents } from './peer-agents';
import { PeerQuorum } from './peer-quorum';

/** A host's side of quorum fencing, its peers' answers scripted (the network is the agents' integration tests'). */
describe('PeerQuorum', () => {
  const peer = (id: string): Peer => ({ hostId: id, address: `${id}:1` });
  function withPeers(answers: Record<string, 'reached' | 'condemned' | 'down'>) {
    const forgotten: string[] = [];
    const peers = {
      client: (id: string) => ({
        ping: async () => {
          if (answers[id] === 'down') throw Object.assign(new Error('UNAVAILABLE'), { code: 14 });
          return { condemned: answers[id] === 'condemned' };
        },
      }),
      forget: (id: string) => void forgotten.push(id),
    } as unknown as PeerAgents;
    return { quorum: new PeerQuorum(peers), forgotten };
  }
  const heartbeat = (witnesses: string[], condemned: string[] = []) => ({
    witnesses: witnesses.map(peer),
    condemnedHostIds: condemned,
    probeTimeoutMs: 100,
    quorumRecheckMs: 500,
  });

  it('keeps with half of its witnesses answering, fences with fewer or when one says it is condemned', async () => {
    const a = withPeers({ b: 'reached', c: 'down' });
    a.quorum.update(heartbeat(['b', 'c']));
    expect(await a.quorum.keeps()).toBe(true);
    // a channel that failed is dropped: the next ping connects afresh
    expect(a.forgotten).toEqual(['c']);
    const b = withPeers({ b: 'down', c: 'down', d: 'reached' });
    b.quorum.update(heartbeat(['b', 'c', 'd']));
    expect(await b.quorum.keeps()).toBe(false);
    const c = withPeers({ b: 'reached', c: 'condemned' });
    c.quorum.update(heartbeat(['b', 'c']));
    expect(await c.quorum.keeps()).toBe(false);
    const alone = withPeers({});
    alone.quorum.update(heartbeat([]));
    expect(await alone.quorum.keeps()).toBe(true);
  });

  it('condemns a host it cannot reach when asked, refuses its pings, and stops counting them as contact', async () => {
    const { quorum } = withPeers({ x: 'down' });
    expect(quorum.pinged('x')).toEqual({ condemned: false });
    const first = await quorum.probe(peer('x'), 100, 60_000);
    expect(first.reachable).toBe(false);
    expect(first.lastContactAgoMs).toBeGreaterThanOrEqual(0);
    expect(quorum.pinged('x')).toEqual({ condemned: true });
    // its pings after the condemnation are not contact: the age only grows
    const later = await quorum.probe(peer('x'), 100, 60_000);
    expect(later.lastContactAgoMs).toBeGreaterThanOrEqual(first.lastContactAgoMs);
    // a host never heard from says so
    expect((await withPeers({ y: 'down' }).quorum.probe(peer('y'), 100, 60_000)).lastContactAgoMs).toBe(-1);
  });

  it('refuses the hosts the control plane declared dead, for as long as it says so', () => {
    const { quorum } = withPeers({});
    quorum.update(heartbeat(['b'], ['dead']));
    expect(quorum.pinged('dead')).toEqual({ condemned: true });
    quorum.update(heartbeat(['b'], []));
    expect(quorum.pinged('dead')).toEqual({ condemned: false });
  });

  it('lets a condemnation of its own run out', async () => {
    jest.useFakeTimers();
    try {
      const { quorum } = withPeers({ x: 'down' });
      await quorum.probe(peer('x'), 100, 1_000);
      jest.advanceTimersByTime(999);
      expect(quorum.isCondemned('x')).toBe(true);
      jest.advanceTimersByTime(2);
      expect(quorum.isCondemned('x')).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
