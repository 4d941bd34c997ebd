import { decideBatch } from './batch';
import { decide } from './engine';
import { host, pool, R, request, view } from './fixtures';
import { hostsOf } from './types';
import { DEFAULT_WEIGHTS, placementWeightsSchema, resolveWeights } from './weights';

describe('placement weighers', () => {
  const hosts = [host('empty'), host('half', { used: R(8, 30_000, 0) }), host('full', { used: R(16, 58_000, 0) })];

  it('spread prefers the emptiest host', () => {
    const d = decide(request(), view(hosts));
    expect(d.ok && d.candidates).toEqual(['empty', 'half', 'full']);
  });

  it('pack prefers the fullest host that still fits', () => {
    const packing = pool('p1', {
      weights: { ...DEFAULT_WEIGHTS, memoryMb: { mode: 'pack', weight: 1 }, vcpus: { mode: 'pack', weight: 1 } },
    });
    const d = decide(request(), view(hosts, [packing]));
    expect(d.ok && d.candidates).toEqual(['full', 'half', 'empty']);
  });

  it('soft affinity draws to the members, soft anti-affinity pushes away, neither forbids', () => {
    const aff = decide(request({ serverGroup: { policy: 'soft-affinity', memberHostIds: ['full'] } }), view(hosts));
    expect(aff.ok && aff.candidates[0]).toBe('full');
    const anti = decide(
      request({ serverGroup: { policy: 'soft-anti-affinity', memberHostIds: ['empty', 'empty', 'half'] } }),
      view(hosts),
    );
    expect(anti.ok && anti.candidates).toEqual(['full', 'half', 'empty']);
  });

  it('keeps only the best few candidates', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      host(`h${String(i).padStart(2, '0')}`, { used: R(0, i * 100, 0) }),
    );
    const d = decide(request(), view(many), { maxCandidates: 3 });
    expect(d.ok && d.candidates).toEqual(['h00', 'h01', 'h02']);
  });

  it('validates stored weights and falls back to the defaults', () => {
    expect(placementWeightsSchema.safeParse({ memoryMb: { mode: 'pack', weight: 2 } }).success).toBe(true);
    expect(placementWeightsSchema.safeParse({ memoryMb: { mode: 'sideways', weight: 2 } }).success).toBe(false);
    expect(placementWeightsSchema.safeParse({ bogus: 1 }).success).toBe(false);
    expect(resolveWeights({ memoryMb: { mode: 'pack', weight: 2 } }).memoryMb).toEqual({ mode: 'pack', weight: 2 });
    expect(resolveWeights('garbage')).toEqual(DEFAULT_WEIGHTS);
  });
});

describe('batch placement', () => {
  it('spreads a batch as a whole', () => {
    const d = decideBatch(
      Array.from({ length: 6 }, () => request()),
      view([host('a'), host('b'), host('c')]),
    );
    expect(d.ok && d.placements.map((p) => p.hostId)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('keeps anti-affinity members of one batch apart, and fails the batch when they cannot be', () => {
    const group = { policy: 'anti-affinity' as const, memberHostIds: [] };
    const ok = decideBatch(
      Array.from({ length: 3 }, () => request({ serverGroup: group })),
      view([host('a'), host('b'), host('c')]),
    );
    expect(ok.ok && new Set(ok.placements.map((p) => p.hostId)).size).toBe(3);
    const tooMany = decideBatch(
      Array.from({ length: 4 }, () => request({ serverGroup: group })),
      view([host('a'), host('b'), host('c')]),
    );
    expect(tooMany).toMatchObject({ ok: false, index: 3 });
  });

  it("reports the first VM's filter counts, as a decision for that VM alone would", () => {
    const hosts = [host('a'), host('b', { state: 'down' }), host('c')];
    const batch = decideBatch(
      Array.from({ length: 2 }, () => request()),
      view(hosts),
    );
    const alone = decide(request(), view(hosts));
    expect(batch).toMatchObject({ ok: true, hostsConsidered: alone.hostsConsidered, filters: alone.filters });
    expect(batch.ok && batch.filters.find((f) => f.filter === 'host_state')?.removed).toBe(1);
  });
});

describe('a view backed by a map', () => {
  it('is walked as often as a decision needs (pool statistics, then the hosts)', () => {
    const map = new Map([host('a'), host('b')].map((h) => [h.id, h]));
    const d = decide(request(), {
      hosts: hostsOf(map),
      pools: new Map([['p1', pool('p1', { requireCpuCompatibility: true })]]),
    });
    expect(d.ok && d.candidates.length).toBe(2);
  });
});
