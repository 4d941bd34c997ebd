import { decide } from './engine';
import { host, pool, R, request, view } from './fixtures';

const removedBy = (d: ReturnType<typeof decide>, filter: string) => d.filters.find((f) => f.filter === filter)!.removed;

describe('placement filters', () => {
  it('host_state: only up hosts', () => {
    const d = decide(
      request(),
      view([
        host('a', { state: 'maintenance' }),
        host('b', { state: 'down' }),
        host('c', { state: 'suspect' }),
        host('d'),
      ]),
    );
    expect(d.ok && d.candidates).toEqual(['d']);
    expect(removedBy(d, 'host_state')).toBe(3);
  });

  it('pool: a request for a pool looks only there; hosts of unknown pools never qualify', () => {
    const d = decide(
      request({ poolId: 'p2' }),
      view([host('a'), host('b', { poolId: 'p2' }), host('c', { poolId: 'ghost' })], [pool('p1'), pool('p2')]),
    );
    expect(d.ok && d.candidates).toEqual(['b']);
    expect(removedBy(d, 'pool')).toBe(2);
  });

  it('excluded: the migration source is never the target', () => {
    const d = decide(request({ excludeHostIds: ['a'] }), view([host('a'), host('b')]));
    expect(d.ok && d.candidates).toEqual(['b']);
  });

  it('guest_type: hvm needs hvm, pvh needs hap, pv runs anywhere', () => {
    const hosts = [
      host('plain', { hvm: false, hap: false }),
      host('hvm-only', { hvm: true, hap: false }),
      host('full'),
    ];
    expect(decide(request({ guestType: 'hvm' }), view(hosts)).ok && true).toBe(true);
    const hvm = decide(request({ guestType: 'hvm' }), view(hosts));
    expect(hvm.ok && [...hvm.candidates].sort()).toEqual(['full', 'hvm-only']);
    const pvh = decide(request({ guestType: 'pvh' }), view(hosts));
    expect(pvh.ok && pvh.candidates).toEqual(['full']);
    const pv = decide(request({ guestType: 'pv' }), view(hosts));
    expect(pv.ok && pv.candidates.length).toBe(3);
  });

  it("cpu_compatibility: the pool's majority vendor only, and a migrating VM's features", () => {
    const p = pool('p1', { requireCpuCompatibility: true });
    const hosts = [host('i1'), host('i2', { cpuFeatures: ['sse4_2'] }), host('amd', { cpuVendor: 'AuthenticAMD' })];
    const d = decide(request(), view(hosts, [p]));
    expect(d.ok && [...d.candidates].sort()).toEqual(['i1', 'i2']);
    const m = decide(request({ requiredCpu: { vendor: 'GenuineIntel', features: ['avx'] } }), view(hosts, [p]));
    expect(m.ok && m.candidates).toEqual(['i1']);
    expect(decide(request(), view(hosts, [pool('p1')])).ok && true).toBe(true);
  });

  it('capacity: (total - dom0) x ratio - used, per resource, each named', () => {
    // 14 CPUs x 4 = 56 vCPUs offered; 61440 MB; 1000 GB
    const full = (used: Partial<ReturnType<typeof R>>) => host('h', { used: { ...R(0, 0, 0), ...used } });
    expect(decide(request({ resources: R(56, 1, 1) }), view([full({})])).ok).toBe(true);
    expect(removedBy(decide(request({ resources: R(57, 1, 1) }), view([full({})])), 'capacity_vcpus')).toBe(1);
    expect(removedBy(decide(request({ resources: R(1, 61_441, 1) }), view([full({})])), 'capacity_memory')).toBe(1);
    expect(removedBy(decide(request({ resources: R(1, 1, 10) }), view([full({ diskGb: 991 })])), 'capacity_disk')).toBe(
      1,
    );
    // the ratio counts
    expect(
      decide(request({ resources: R(1, 70_000, 1) }), view([full({})], [pool('p1', { ramAllocationRatio: 1.5 })])).ok,
    ).toBe(true);
  });

  it("anti_affinity: never onto a host with a member; affinity: only onto the members' host", () => {
    const hosts = [host('a'), host('b'), host('c')];
    const anti = decide(request({ serverGroup: { policy: 'anti-affinity', memberHostIds: ['a', 'b'] } }), view(hosts));
    expect(anti.ok && anti.candidates).toEqual(['c']);
    const aff = decide(request({ serverGroup: { policy: 'affinity', memberHostIds: ['b'] } }), view(hosts));
    expect(aff.ok && aff.candidates).toEqual(['b']);
    const first = decide(request({ serverGroup: { policy: 'affinity', memberHostIds: [] } }), view(hosts));
    expect(first.ok && first.candidates.length).toBe(3);
  });

  it('ha_reserve: keeps room to restart the protected VMs of the N hosts that matter most', () => {
    // three hosts of 61440 MB; N = 1. a: 30000 protected. Free: a 31440, b 61440, c 61440.
    // top (P+F) = 61440 (a: 30000+31440 = 61440 too); total free 154320 >= 61440: safe.
    const p = pool('p1', { haHostFailuresToTolerate: 1 });
    const a = host('a', { used: R(1, 30_000, 0), usedProtected: R(1, 30_000, 0) });
    const hosts = [a, host('b'), host('c')];
    expect(decide(request({ resources: R(1, 60_000, 0) }), view(hosts, [p])).ok).toBe(true);
    // fill b and c with unprotected VMs: only room for the reserve must stay
    const b = host('b', { used: R(1, 61_440, 0) });
    const c = host('c', { used: R(1, 31_440, 0) });
    // free: a 31440, c 30000 -> total 61440; top(P+F) = max(61440, 0, 30000) = 61440: exactly safe.
    // On c, 1000 MB would leave 29000 there, too little to restart a's 30000 protected.
    // On a it is harmless: if a fails its own VMs die with it, and c still takes a's 30000.
    const tight = decide(request({ resources: R(1, 1_000, 0) }), view([a, b, c], [p]));
    expect(tight.ok && tight.candidates).toEqual(['a']);
    expect(removedBy(tight, 'ha_reserve')).toBe(1);
    // a protected VM on a would need restarting too: 31000 > c's 30000
    const protectedOnA = decide(request({ resources: R(1, 1_000, 0), haProtected: true }), view([a, b, c], [p]));
    expect(protectedOnA.ok).toBe(false);
    // without the policy the same request fits
    expect(decide(request({ resources: R(1, 1_000, 0) }), view([a, b, c], [pool('p1')])).ok).toBe(true);
  });

  it('ha_reserve: a top host that shrinks is replaced in the top N by the next largest', () => {
    // N = 1. a: empty, P+F = 61440. b: full of protected VMs, P+F = 60000 + 0 (the next largest).
    // Total free 61440 covers the top 61440. An unprotected VM on a lowers a's P+F, but b's
    // 60000 must still fit elsewhere: 1000 MB leaves 60440 free (safe), 2000 MB 59440 (not).
    const p = pool('p1', { haHostFailuresToTolerate: 1 });
    const hosts = [host('a'), host('b', { used: R(1, 61_440, 0), usedProtected: R(1, 60_000, 0) })];
    const small = decide(request({ resources: R(1, 1_000, 0) }), view(hosts, [p]));
    expect(small.ok && small.candidates).toEqual(['a']);
    const large = decide(request({ resources: R(1, 2_000, 0) }), view(hosts, [p]));
    expect(large.ok).toBe(false);
    expect(removedBy(large, 'ha_reserve')).toBe(1);
  });

  it('explains a failure with every filter, in order, and the hosts it saw', () => {
    const d = decide(request({ resources: R(1, 100_000, 1) }), view([host('a'), host('b', { state: 'down' })]));
    expect(d.ok).toBe(false);
    expect(d.hostsConsidered).toBe(2);
    expect(d.filters.map((f) => f.filter)).toEqual([
      'host_state',
      'pool',
      'excluded',
      'guest_type',
      'cpu_compatibility',
      'capacity_vcpus',
      'capacity_memory',
      'capacity_disk',
      'anti_affinity',
      'affinity',
      'ha_reserve',
    ]);
    expect(removedBy(d, 'host_state')).toBe(1);
    expect(removedBy(d, 'capacity_memory')).toBe(1);
    expect(d.filters.every((f) => f.reason.length > 10)).toBe(true);
  });
});
