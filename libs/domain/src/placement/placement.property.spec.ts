import fc from 'fast-check';
import { offeredCapacity } from '../hosts/capacity';
import { withPlacement } from './batch';
import { decide } from './engine';
import { host, pool, R } from './fixtures';
import { RESOURCE_KEYS } from './pool-stats';
import type { GroupPolicy, PlacementHost, PlacementPool, PlacementRequest } from './types';

// For random pools and request streams, applying each decision as the claim would: no host
// ever exceeds what it offers, hard group policies always hold, guests land only where their
// type can run, and a pool's HA reserve, once held, is never broken by a placement.

const hostArb = fc.record({
  cpus: fc.integer({ min: 4, max: 64 }),
  memoryGb: fc.integer({ min: 8, max: 256 }),
  state: fc.constantFrom('up', 'up', 'up', 'down', 'maintenance' as const),
  hvm: fc.boolean(),
  hap: fc.boolean(),
  vendor: fc.constantFrom('GenuineIntel', 'GenuineIntel', 'AuthenticAMD'),
  pool: fc.constantFrom('p1', 'p2'),
});

const poolArb = (id: string) =>
  fc.record({
    cpu: fc.constantFrom(1, 2, 4, 8),
    ram: fc.constantFrom(1, 1, 1.5),
    ha: fc.integer({ min: 0, max: 2 }),
    compat: fc.boolean(),
  }).map((p): PlacementPool => pool(id, { cpuAllocationRatio: p.cpu, ramAllocationRatio: p.ram, haHostFailuresToTolerate: p.ha, requireCpuCompatibility: p.compat }));

const requestArb = fc.record({
  vcpus: fc.integer({ min: 1, max: 16 }),
  memoryMb: fc.constantFrom(512, 1024, 2048, 4096, 8192, 16384, 32768),
  guestType: fc.constantFrom('pv', 'pvh', 'hvm' as const),
  pool: fc.constantFrom<string | undefined>(undefined, 'p1', 'p2'),
  group: fc.constantFrom<number | undefined>(undefined, 0, 1, 2),
  haProtected: fc.boolean(),
});

const POLICIES: GroupPolicy[] = ['anti-affinity', 'affinity', 'soft-anti-affinity'];

function haHolds(hosts: PlacementHost[], p: PlacementPool): boolean {
  const up = hosts.filter((h) => h.poolId === p.id && h.state === 'up');
  for (const k of RESOURCE_KEYS) {
    const free = up.map((h) => Math.max(0, offeredCapacity(h.total, h.reserved, p)[k] - h.used[k]));
    const values = up.map((h, i) => h.usedProtected[k] + free[i]!).sort((a, b) => b - a);
    const top = values.slice(0, p.haHostFailuresToTolerate).reduce((s, v) => s + v, 0);
    if (free.reduce((s, v) => s + v, 0) < top) return false;
  }
  return true;
}

describe('placement properties', () => {
  it('never overcommits, never breaks a hard group policy or the HA reserve', () => {
    fc.assert(
      fc.property(
        fc.array(hostArb, { minLength: 1, maxLength: 12 }),
        poolArb('p1'),
        poolArb('p2'),
        fc.array(requestArb, { minLength: 1, maxLength: 60 }),
        (hostSpecs, p1, p2, stream) => {
          const pools = new Map([
            ['p1', p1],
            ['p2', p2],
          ]);
          let hosts = hostSpecs.map((s, i) =>
            host(`h${i}`, { poolId: s.pool, state: s.state, total: R(s.cpus, s.memoryGb * 1024, 1000), reserved: R(1, 2048, 0), hvm: s.hvm, hap: s.hap, cpuVendor: s.vendor }),
          );
          const members: string[][] = [[], [], []];
          for (const r of stream) {
            const before = hosts;
            const request: PlacementRequest = {
              resources: R(r.vcpus, r.memoryMb, 1),
              guestType: r.guestType,
              ...(r.pool ? { poolId: r.pool } : {}),
              haProtected: r.haProtected,
              ...(r.group !== undefined ? { serverGroup: { policy: POLICIES[r.group]!, memberHostIds: members[r.group]! } } : {}),
            };
            const d = decide(request, { hosts, pools });
            if (!d.ok) continue;
            const chosen = hosts.find((h) => h.id === d.candidates[0])!;
            const p = pools.get(chosen.poolId)!;
            hosts = hosts.map((h) => (h.id === chosen.id ? withPlacement(h, request.resources, request.haProtected) : h));
            const after = hosts.find((h) => h.id === chosen.id)!;

            expect(after.state).toBe('up');
            if (r.pool) expect(after.poolId).toBe(r.pool);
            const offered = offeredCapacity(after.total, after.reserved, p);
            for (const k of RESOURCE_KEYS) expect(after.used[k]).toBeLessThanOrEqual(offered[k]);
            if (r.guestType === 'hvm') expect(after.hvm).toBe(true);
            if (r.guestType === 'pvh') expect(after.hap).toBe(true);
            if (r.group !== undefined) {
              const policy = POLICIES[r.group];
              if (policy === 'anti-affinity') expect(members[r.group]).not.toContain(after.id);
              if (policy === 'affinity' && members[r.group]!.length) expect(members[r.group]).toContain(after.id);
              members[r.group]!.push(after.id);
            }
            for (const pl of pools.values()) {
              if (pl.haHostFailuresToTolerate > 0 && haHolds(before, pl)) expect(haHolds(hosts, pl)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails only when no host could take the VM', () => {
    fc.assert(
      fc.property(fc.array(hostArb, { minLength: 1, maxLength: 20 }), requestArb, (hostSpecs, r) => {
        const pools = new Map([['p1', pool('p1')], ['p2', pool('p2')]]);
        const hosts = hostSpecs.map((s, i) => host(`h${i}`, { poolId: s.pool, state: s.state, total: R(s.cpus, s.memoryGb * 1024, 1000), hvm: s.hvm, hap: s.hap }));
        const request: PlacementRequest = { resources: R(r.vcpus, r.memoryMb, 1), guestType: r.guestType, haProtected: false };
        const d = decide(request, { hosts, pools });
        const anyFits = hosts.some((h) => {
          const o = offeredCapacity(h.total, h.reserved, pools.get(h.poolId)!);
          const typeOk = r.guestType === 'pv' || (r.guestType === 'hvm' ? h.hvm : h.hap);
          return h.state === 'up' && typeOk && o.vcpus >= r.vcpus && o.memoryMb >= r.memoryMb && o.diskGb >= 1;
        });
        expect(d.ok).toBe(anyFits);
        // every host is either removed by exactly one filter or passes them all
        expect(d.filters.reduce((s, f) => s + f.removed, 0)).toBe(hosts.length - countPassing(hosts, request, pools));
      }),
      { numRuns: 300 },
    );
  });
});

function countPassing(hosts: PlacementHost[], r: PlacementRequest, pools: Map<string, PlacementPool>): number {
  return hosts.filter((h) => {
    const o = offeredCapacity(h.total, h.reserved, pools.get(h.poolId)!);
    const typeOk = r.guestType === 'pv' || (r.guestType === 'hvm' ? h.hvm : h.hap);
    return h.state === 'up' && typeOk && o.vcpus >= r.resources.vcpus && o.memoryMb >= r.resources.memoryMb && o.diskGb >= r.resources.diskGb;
  }).length;
}
