import { decide } from '../placement/engine';
import type { PlacementHost, PlacementPool } from '../placement/types';
import { resolveWeights } from '../placement/weights';
import { migrationDeadlineMs, migrationRequest, targetRefusal } from './migration-request';

const pool = (id: string): PlacementPool => ({
  id,
  cpuAllocationRatio: 1,
  ramAllocationRatio: 1,
  diskAllocationRatio: 1,
  haHostFailuresToTolerate: 0,
  requireCpuCompatibility: true,
  weights: resolveWeights({}),
});
const FEATURES = ['sse4_2', 'avx', 'avx2'];
const host = (id: string, over: Partial<PlacementHost> = {}): PlacementHost => ({
  id,
  name: id,
  poolId: 'p1',
  state: 'up',
  live: true,
  total: { vcpus: 16, memoryMb: 16_384, diskGb: 500 },
  reserved: { vcpus: 0, memoryMb: 0, diskGb: 0 },
  used: { vcpus: 0, memoryMb: 0, diskGb: 0 },
  usedInstances: 0,
  usedProtected: { vcpus: 0, memoryMb: 0, diskGb: 0 },
  hvm: true,
  hap: true,
  cpuVendor: 'GenuineIntel',
  cpuFeatures: FEATURES,
  ...over,
});
const pools = new Map([
  ['p1', pool('p1')],
  ['p2', pool('p2')],
]);
const vm = { resources: { vcpus: 2, memoryMb: 4096, diskGb: 20 }, guestType: 'pv' as const, haProtected: false };
const source = { id: 'src', poolId: 'p1', cpuVendor: 'GenuineIntel', cpuFeatures: FEATURES };
const why = (h: PlacementHost) => {
  const d = decide(migrationRequest(vm, source), { hosts: [h], pools });
  return d.ok ? 'ok' : targetRefusal(h.name, d.filters);
};

describe('migrationRequest', () => {
  it('finds another host of the pool, never the source', () => {
    const d = decide(migrationRequest(vm, source), { hosts: [host('src'), host('b'), host('c')], pools });
    expect(d.ok && [...d.candidates].sort()).toEqual(['b', 'c']);
  });

  it('refuses a target of another pool, one that is not up, full, or lacks a CPU feature, and says why', () => {
    expect(why(host('other', { poolId: 'p2' }))).toMatch(/another pool/);
    expect(why(host('down', { state: 'down' }))).toMatch(/not up/);
    expect(why(host('off', { state: 'disabled' }))).toMatch(/not up/);
    expect(why(host('full', { used: { vcpus: 0, memoryMb: 14_000, diskGb: 0 } }))).toMatch(
      /free memory.*\(capacity_memory\)$/,
    );
    expect(why(host('old', { cpuFeatures: ['sse4_2', 'avx'] }))).toMatch(/lacks features .*cpu_compatibility/);
    expect(why(host('amd', { cpuVendor: 'AuthenticAMD' }))).toMatch(/cpu_compatibility/);
    expect(why(host('newer', { cpuFeatures: [...FEATURES, 'avx512f'] }))).toBe('ok');
  });

  it('keeps a hard anti-affinity group apart', () => {
    const d = decide(migrationRequest(vm, source, { policy: 'anti-affinity', memberHostIds: ['b'] }), {
      hosts: [host('src'), host('b'), host('c')],
      pools,
    });
    expect(d.ok && d.candidates).toEqual(['c']);
  });

  it('names the source as the reason when the target is where the VM already is', () => {
    const d = decide(migrationRequest(vm, source), { hosts: [host('src')], pools });
    expect(!d.ok && targetRefusal('src', d.filters)).toBe('the VM already runs on host src');
  });

  it('gives a migration time in proportion to the memory it moves', () => {
    expect(migrationDeadlineMs(0, true, 5_000)).toBe(5_000);
    expect(migrationDeadlineMs(2048, false, 5_000)).toBe(5_000 + 40_960);
    expect(migrationDeadlineMs(2048, true, 5_000)).toBe(5_000 + 81_920);
  });
});
