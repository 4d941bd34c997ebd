import fc from 'fast-check';
import { offeredCapacity } from '../hosts/capacity';
import { withPlacement, withUsage } from './batch';
import { decide, FILTERS, WEIGHERS } from './engine';
import type { FilterContext } from './filter';
import { host, pool, R } from './fixtures';
import { computePoolStats, RESOURCE_KEYS } from './pool-stats';
import { PoolStatsIndex } from './pool-stats-index';
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
  fc
    .record({
      cpu: fc.constantFrom(1, 2, 4, 8),
      ram: fc.constantFrom(1, 1, 1.5),
      ha: fc.integer({ min: 0, max: 2 }),
      compat: fc.boolean(),
    })
    .map((p): PlacementPool =>
      pool(id, {
        cpuAllocationRatio: p.cpu,
        ramAllocationRatio: p.ram,
        haHostFailuresToTolerate: p.ha,
        requireCpuCompatibility: p.compat,
      }),
    );

const requestArb = fc.record({
  vcpus: fc.integer({ min: 1, max: 16 }),
  memoryMb: fc.constantFrom(512, 1024, 2048, 4096, 8192, 16384, 32768),
  guestType: fc.constantFrom('pv', 'pvh', 'hvm' as const),
  pool: fc.constantFrom<string | undefined>(undefined, 'p1', 'p2'),
  group: fc.constantFrom<number | undefined>(undefined, 0, 1, 2),
  haProtected: fc.boolean(),
});

// small hosts, mostly up, some memory already held by protected and other VMs: a few
// placements bring a pool to the edge of its HA reserve
const smallHostArb = hostArb.chain((h) =>
  fc
    .record({
      cpus: fc.integer({ min: 2, max: 8 }),
      memoryGb: fc.integer({ min: 4, max: 24 }),
      state: fc.constantFrom('up', 'up', 'up', 'up', 'down' as const),
      protectedMb: fc.constantFrom(0, 0, 2048, 8192, 16384),
      otherMb: fc.constantFrom(0, 0, 1024, 4096),
    })
    .map((small) => ({ ...h, ...small })),
);

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
            host(`h${i}`, {
              poolId: s.pool,
              state: s.state,
              total: R(s.cpus, s.memoryGb * 1024, 1000),
              reserved: R(1, 2048, 0),
              hvm: s.hvm,
              hap: s.hap,
              cpuVendor: s.vendor,
            }),
          );
          const members: string[][] = [[], [], []];
          for (const r of stream) {
            const before = hosts;
            const request: PlacementRequest = {
              resources: R(r.vcpus, r.memoryMb, 1),
              guestType: r.guestType,
              ...(r.pool ? { poolId: r.pool } : {}),
              haProtected: r.haProtected,
              ...(r.group !== undefined
                ? { serverGroup: { policy: POLICIES[r.group]!, memberHostIds: members[r.group]! } }
                : {}),
            };
            const d = decide(request, { hosts, pools });
            if (!d.ok) continue;
            const chosen = hosts.find((h) => h.id === d.candidates[0])!;
            const p = pools.get(chosen.poolId)!;
            hosts = hosts.map((h) =>
              h.id === chosen.id ? withPlacement(h, request.resources, request.haProtected) : h,
            );
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

  // As the scheduler decides: pool figures kept incrementally (PoolStatsIndex) while VMs land,
  // reservations are given back and hosts change under it; decisions over a window of the
  // hosts (its sample) or all of them. The figures must decide exactly as from-scratch ones,
  // and no placement may break an HA reserve that held.
  it('decides with incremental pool figures exactly as with from-scratch ones, never breaking the HA reserve', () => {
    const eventArb = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('place' as const),
          r: requestArb,
          window: fc.option(fc.record({ start: fc.nat(), size: fc.integer({ min: 1, max: 6 }) }), { nil: undefined }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('give back' as const), at: fc.nat() }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('host change' as const), at: fc.nat(), spec: smallHostArb }),
      },
    );
    fc.assert(
      fc.property(
        fc.array(smallHostArb, { minLength: 1, maxLength: 8 }),
        poolArb('p1'),
        poolArb('p2'),
        fc.array(eventArb, { minLength: 1, maxLength: 60 }),
        (hostSpecs, p1, p2, events) => {
          const pools = new Map([
            ['p1', p1],
            ['p2', p2],
          ]);
          const build = (id: string, s: (typeof hostSpecs)[number]) =>
            host(id, {
              poolId: s.pool,
              state: s.state,
              total: R(s.cpus, s.memoryGb * 1024, 1000),
              reserved: R(1, 2048, 0),
              hvm: s.hvm,
              hap: s.hap,
              cpuVendor: s.vendor,
            });
          // usage as a reload would find it (possibly more than the host offers: the figures clamp free room at 0)
          const hosts = hostSpecs.map((s, i) => ({
            ...build(`h${i}`, s),
            used: R(0, s.protectedMb + s.otherMb, 0),
            usedProtected: R(0, s.protectedMb, 0),
          }));
          const figures = new PoolStatsIndex();
          figures.setPools(pools);
          hosts.forEach((h) => figures.setHost(h));
          const put = (h: PlacementHost) => {
            hosts[hosts.findIndex((x) => x.id === h.id)] = h;
            figures.setHost(h);
          };
          const placed: { hostId: string; request: PlacementRequest }[] = [];
          for (const e of events) {
            if (e.kind === 'give back' && placed.length) {
              const [gone] = placed.splice(e.at % placed.length, 1);
              const h = hosts.find((x) => x.id === gone!.hostId)!;
              put(withUsage(h, gone!.request.resources, gone!.request.haProtected, -1));
            } else if (e.kind === 'host change') {
              // a reload: the host as the database has it now (its VMs keep their usage)
              const h = hosts[e.at % hosts.length]!;
              put({
                ...build(h.id, e.spec),
                used: h.used,
                usedProtected: h.usedProtected,
                usedInstances: h.usedInstances,
              });
            } else if (e.kind === 'place') {
              const r = e.r;
              const request: PlacementRequest = {
                resources: R(r.vcpus, r.memoryMb, 1),
                guestType: r.guestType,
                ...(r.pool ? { poolId: r.pool } : {}),
                haProtected: r.haProtected,
              };
              const seen = e.window
                ? Array.from(
                    { length: Math.min(e.window.size, hosts.length) },
                    (_, k) => hosts[(e.window!.start + k) % hosts.length]!,
                  )
                : hosts;
              const d = decide(request, { hosts: seen, pools }, { stats: figures.stats() });
              // the from-scratch figures are over every host, as the index's are, whatever the window
              expect(d).toEqual(decide(request, { hosts: seen, pools }, { stats: computePoolStats(hosts, pools) }));
              if (!d.ok) continue;
              // the filter asks whether the reserve holds once the VM is there: true of every candidate
              for (const id of d.candidates) {
                const there = hosts.map((h) =>
                  h.id === id ? withPlacement(h, request.resources, request.haProtected) : h,
                );
                const p = pools.get(there.find((h) => h.id === id)!.poolId)!;
                if (p.haHostFailuresToTolerate > 0) expect(haHolds(there, p)).toBe(true);
              }
              const chosen = hosts.find((h) => h.id === d.candidates[0])!;
              put(withPlacement(chosen, request.resources, request.haProtected));
              placed.push({ hostId: chosen.id, request });
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
        const pools = new Map([
          ['p1', pool('p1')],
          ['p2', pool('p2')],
        ]);
        const hosts = hostSpecs.map((s, i) =>
          host(`h${i}`, {
            poolId: s.pool,
            state: s.state,
            total: R(s.cpus, s.memoryGb * 1024, 1000),
            hvm: s.hvm,
            hap: s.hap,
          }),
        );
        const request: PlacementRequest = {
          resources: R(r.vcpus, r.memoryMb, 1),
          guestType: r.guestType,
          haProtected: false,
        };
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

  // the engine asks only the filters and weighers that apply to a request: one that says it
  // does not must pass (score 0 for) every host, or skipping it would change decisions
  it('a filter or weigher that does not apply to a request passes every host and scores none', () => {
    const groupArb = fc.option(
      fc.record({
        policy: fc.constantFrom<GroupPolicy>('anti-affinity', 'affinity', 'soft-affinity', 'soft-anti-affinity'),
        members: fc.array(fc.constantFrom('h0', 'h1', 'h2'), { maxLength: 3 }),
      }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        hostArb,
        poolArb('p1'),
        requestArb,
        groupArb,
        fc.array(fc.constantFrom('h0', 'h1'), { maxLength: 2 }),
        (s, p1, r, group, excluded) => {
          const h = host('h0', {
            poolId: s.pool,
            state: s.state,
            total: R(s.cpus, s.memoryGb * 1024, 1000),
            hvm: s.hvm,
            hap: s.hap,
            cpuVendor: s.vendor,
          });
          const request: PlacementRequest = {
            resources: R(r.vcpus, r.memoryMb, 1),
            guestType: r.guestType,
            haProtected: r.haProtected,
            ...(r.pool ? { poolId: r.pool } : {}),
            ...(excluded.length ? { excludeHostIds: excluded } : {}),
            ...(group ? { serverGroup: { policy: group.policy, memberHostIds: group.members } } : {}),
          };
          const offered = offeredCapacity(h.total, h.reserved, p1);
          const members = new Map<string, number>();
          for (const id of group?.members ?? []) members.set(id, (members.get(id) ?? 0) + 1);
          const ctx: FilterContext = {
            request,
            pool: { ...p1, weights: { ...p1.weights, softAffinity: 10, softAntiAffinity: 10 } },
            offered,
            free: R(offered.vcpus - h.used.vcpus, offered.memoryMb - h.used.memoryMb, offered.diskGb - h.used.diskGb),
            stats: computePoolStats([h], new Map([[h.poolId, p1]])).get(h.poolId) ?? {},
            members,
            excluded: new Set(excluded),
          };
          for (const f of FILTERS)
            if (f.appliesTo && !f.appliesTo(request)) expect([f.name, f.passes(h, ctx)]).toEqual([f.name, true]);
          for (const w of WEIGHERS)
            if (w.appliesTo && !w.appliesTo(request)) expect([w.name, w.score(h, ctx)]).toEqual([w.name, 0]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

function countPassing(hosts: PlacementHost[], r: PlacementRequest, pools: Map<string, PlacementPool>): number {
  return hosts.filter((h) => {
    const o = offeredCapacity(h.total, h.reserved, pools.get(h.poolId)!);
    const typeOk = r.guestType === 'pv' || (r.guestType === 'hvm' ? h.hvm : h.hap);
    return (
      h.state === 'up' &&
      typeOk &&
      o.vcpus >= r.resources.vcpus &&
      o.memoryMb >= r.resources.memoryMb &&
      o.diskGb >= r.resources.diskGb
    );
  }).length;
}
