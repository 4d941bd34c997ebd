import { decide } from '../placement/engine';
import { computePoolStats } from '../placement/pool-stats';
import { host, pool, R, request, view } from '../placement/fixtures';
import { failuresTolerated } from './failures-tolerated';

describe('failuresTolerated', () => {
  // hosts of 60 GB for guests (64 less 4 for dom0)
  const p = pool('p1', { haHostFailuresToTolerate: 0 });
  const loaded = (id: string, protectedMb: number, usedMb = protectedMb) =>
    host(id, { used: R(1, usedMb, 0), usedProtected: R(1, protectedMb, 0) });

  it('counts how many hosts can fail with their protected VMs restarted on the rest', () => {
    // free: 40, 40, 40 (120); P + F: 60, 60, 60. One failure needs 60 <= 120, two need 120 <= 120, three is all
    expect(failuresTolerated([loaded('a', 20_480), loaded('b', 20_480), loaded('c', 20_480)], p)).toBe(2);
    // free: 10, 10, 10 (30); P + F: 60 each: not even one
    expect(failuresTolerated([loaded('a', 51_200), loaded('b', 51_200), loaded('c', 51_200)], p)).toBe(0);
    // nothing protected: any host but the last may go
    expect(failuresTolerated([host('a'), host('b'), host('c')], p)).toBe(2);
    expect(failuresTolerated([host('a')], p)).toBe(0);
  });

  it('counts only placeable hosts of the pool', () => {
    const hosts = [
      loaded('a', 20_480),
      loaded('b', 20_480),
      { ...loaded('c', 20_480), live: false },
      host('x', { poolId: 'other' }),
    ];
    // free: 40, 40 (80); P + F: 60, 60: one failure (60 <= 80), not two
    expect(failuresTolerated(hosts, p)).toBe(1);
  });

  it('agrees with the HA reserve filter: a pool that tolerates N accepts an unprotected VM only while it still would', () => {
    const hosts = [loaded('a', 20_480), loaded('b', 20_480), loaded('c', 20_480)];
    for (const n of [1, 2]) {
      const ha = pool('p1', { haHostFailuresToTolerate: n });
      const tolerated = failuresTolerated(hosts, ha);
      // a VM of 1 GB is placed only if the pool would still tolerate n failures after it
      const after = failuresTolerated(
        hosts.map((h) => (h.id === 'a' ? { ...h, used: R(2, h.used.memoryMb + 1_024, 0) } : h)),
        ha,
      );
      const stats = computePoolStats(hosts, new Map([[ha.id, ha]]));
      const d = decide(request({ resources: R(1, 1_024, 0), haProtected: false }), view([hosts[0]!], [ha]), { stats });
      expect(tolerated).toBeGreaterThanOrEqual(n);
      expect(d.ok).toBe(after >= n);
    }
  });
});
