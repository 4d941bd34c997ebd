import fc from 'fast-check';
import { offeredCapacity } from '../hosts/capacity';
import { withUsage } from './batch';
import { host, pool, R } from './fixtures';
import { computePoolStats, RESOURCE_KEYS } from './pool-stats';
import { PoolStatsIndex } from './pool-stats-index';
import type { PlacementHost, PlacementPool } from './types';

// The incremental figures must always be the from-scratch ones: after every host change,
// reservation, reservation given back, host gone, pool changed or gone.

function indexOf(hosts: PlacementHost[], pools: Map<string, PlacementPool>): PoolStatsIndex {
  const index = new PoolStatsIndex();
  index.setPools(pools);
  for (const h of hosts) index.setHost(h);
  return index;
}

/** The HA figures by their definition, sorting every value: a check on computePoolStats itself. */
function haByDefinition(hosts: Iterable<PlacementHost>, p: PlacementPool) {
  const up = [...hosts].filter((h) => h.poolId === p.id && h.state === 'up');
  const out = { totalFree: R(0, 0, 0), topSum: R(0, 0, 0), nth: R(0, 0, 0), next: R(0, 0, 0) };
  for (const k of RESOURCE_KEYS) {
    const free = up.map((h) => Math.max(0, offeredCapacity(h.total, h.reserved, p)[k] - h.used[k]));
    const values = up.map((h, i) => h.usedProtected[k] + free[i]!).sort((a, b) => b - a);
    out.totalFree[k] = free.reduce((s, v) => s + v, 0);
    out.topSum[k] = values.slice(0, p.haHostFailuresToTolerate).reduce((s, v) => s + v, 0);
    out.nth[k] = values[p.haHostFailuresToTolerate - 1] ?? 0;
    out.next[k] = values[p.haHostFailuresToTolerate] ?? 0;
  }
  return out;
}

interface HostSpec {
  cpus: number;
  memoryGb: number;
  used: number;
  usedProtected: number;
  state: 'up' | 'down';
  vendor: string;
  pool: string;
}

describe('PoolStatsIndex', () => {
  const ha = pool('p1', { haHostFailuresToTolerate: 1 });

  it('gives the from-scratch figures, and snapshots later changes leave alone', () => {
    const hosts = [host('a'), host('b', { used: R(4, 16_384, 100) }), host('c', { cpuVendor: 'AuthenticAMD' })];
    const pools = new Map([['p1', pool('p1', { haHostFailuresToTolerate: 1, requireCpuCompatibility: true })]]);
    const index = indexOf(hosts, pools);
    const before = index.stats();
    expect(before).toEqual(computePoolStats(hosts, pools));
    expect(index.stats()).toBe(before);
    const a = withUsage(hosts[0]!, R(2, 8_192, 10), true, 1);
    index.setHost(a);
    expect(before).toEqual(computePoolStats(hosts, pools));
    expect(index.stats()).toEqual(computePoolStats([a, hosts[1]!, hosts[2]!], pools));
    // a's P + F stays 61440 (8192 protected, 53248 free): still the largest; the pool's free room shrank
    expect(index.stats().get('p1')?.ha).toMatchObject({
      topSum: { memoryMb: 61_440 },
      nth: { memoryMb: 61_440 },
      totalFree: { memoryMb: 3 * 61_440 - 8_192 - 16_384 },
    });
  });

  it('recounts a pool whose settings change, and forgets a pool that is gone', () => {
    const hosts = [host('a'), host('b', { used: R(1, 30_000, 0) })];
    const index = indexOf(hosts, new Map([['p1', ha]]));
    const halfRam = new Map([['p1', pool('p1', { haHostFailuresToTolerate: 2, ramAllocationRatio: 0.5 })]]);
    index.setPools(halfRam);
    expect(index.stats()).toEqual(computePoolStats(hosts, halfRam));
    expect(index.stats().get('p1')?.ha?.totalFree.memoryMb).toBe(30_720 + 720);
    index.setPools(new Map());
    expect(index.stats().size).toBe(0);
    // hosts are remembered: the pool coming back is counted from them
    index.setPools(new Map([['p1', ha]]));
    expect(index.stats()).toEqual(computePoolStats(hosts, new Map([['p1', ha]])));
  });

  it('counts only up hosts, and a host that moves pool or goes away leaves its old figures', () => {
    const pools = new Map([
      ['p1', ha],
      ['p2', pool('p2', { haHostFailuresToTolerate: 1 })],
    ]);
    const index = indexOf([host('a'), host('b'), host('c', { state: 'down' })], pools);
    expect(index.stats().get('p1')?.ha?.totalFree.vcpus).toBe(2 * 56);
    index.setHost(host('b', { poolId: 'p2' }));
    index.setHost(host('c'));
    index.deleteHost('a');
    index.deleteHost('never-seen');
    expect(index.stats()).toEqual(computePoolStats([host('b', { poolId: 'p2' }), host('c')], pools));
    expect(index.stats().get('p1')?.ha?.totalFree.vcpus).toBe(56);
    index.clear();
    expect(index.stats().size).toBe(0);
  });

  it('equals a from-scratch recomputation after any stream of changes', () => {
    const hostArb: fc.Arbitrary<HostSpec> = fc.record({
      cpus: fc.integer({ min: 4, max: 64 }),
      memoryGb: fc.integer({ min: 8, max: 64 }),
      used: fc.integer({ min: 0, max: 70_000 }),
      usedProtected: fc.integer({ min: 0, max: 8_000 }),
      state: fc.constantFrom('up', 'up', 'down' as const),
      vendor: fc.constantFrom('GenuineIntel', 'AuthenticAMD'),
      pool: fc.constantFrom('p1', 'p2', 'p3'),
    });
    const poolArb = fc.record({
      ha: fc.integer({ min: 0, max: 3 }),
      ram: fc.constantFrom(1, 1.5, 0.5),
      compat: fc.boolean(),
      gone: fc.boolean(),
    });
    const opArb = fc.oneof(
      fc.record({
        kind: fc.constant('reserve' as const),
        at: fc.nat(),
        vcpus: fc.integer({ min: 1, max: 8 }),
        memoryMb: fc.constantFrom(512, 4096, 16_384),
        haProtected: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('unreserve' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), spec: hostArb }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('pool' as const), id: fc.constantFrom('p1', 'p2', 'p3'), spec: poolArb }),
    );
    const build = (id: string, s: HostSpec) =>
      host(id, {
        poolId: s.pool,
        state: s.state,
        total: R(s.cpus, s.memoryGb * 1024, 500),
        used: R(0, s.used, 0),
        usedProtected: R(0, s.usedProtected, 0),
        cpuVendor: s.vendor,
      });
    fc.assert(
      fc.property(
        fc.array(hostArb, { minLength: 1, maxLength: 15 }),
        fc.array(opArb, { maxLength: 80 }),
        (specs, ops) => {
          const pools = new Map<string, PlacementPool>([
            ['p1', pool('p1', { haHostFailuresToTolerate: 1 })],
            ['p2', pool('p2', { haHostFailuresToTolerate: 2, requireCpuCompatibility: true })],
          ]);
          const hosts = new Map(specs.map((s, i) => [`h${i}`, build(`h${i}`, s)]));
          const index = indexOf([...hosts.values()], pools);
          const reservations: { hostId: string; r: ReturnType<typeof R>; haProtected: boolean }[] = [];
          const pick = (at: number) => [...hosts.keys()][at % Math.max(1, hosts.size)];
          const put = (h: PlacementHost) => {
            hosts.set(h.id, h);
            index.setHost(h);
          };
          for (const [n, op] of ops.entries()) {
            const id = pick('at' in op ? op.at : 0);
            if (op.kind === 'reserve' && id) {
              const r = R(op.vcpus, op.memoryMb, 5);
              put(withUsage(hosts.get(id)!, r, op.haProtected, 1));
              reservations.push({ hostId: id, r, haProtected: op.haProtected });
            } else if (op.kind === 'unreserve' && reservations.length) {
              const [given] = reservations.splice(op.at % reservations.length, 1);
              const h = hosts.get(given!.hostId);
              if (h) put(withUsage(h, given!.r, given!.haProtected, -1));
            } else if (op.kind === 'replace') {
              put(build(id && n % 2 ? id : `new${n}`, op.spec));
            } else if (op.kind === 'delete' && id) {
              hosts.delete(id);
              index.deleteHost(id);
            } else if (op.kind === 'pool') {
              if (op.spec.gone) pools.delete(op.id);
              else
                pools.set(
                  op.id,
                  pool(op.id, {
                    haHostFailuresToTolerate: op.spec.ha,
                    ramAllocationRatio: op.spec.ram,
                    requireCpuCompatibility: op.spec.compat,
                  }),
                );
              index.setPools(pools);
            }
            const scratch = computePoolStats(hosts.values(), pools);
            expect(index.stats()).toEqual(scratch);
            for (const p of pools.values()) {
              if (p.haHostFailuresToTolerate > 0)
                expect(scratch.get(p.id)?.ha).toMatchObject(haByDefinition(hosts.values(), p));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
