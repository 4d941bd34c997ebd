import type { Operation } from '@xenplane/sdk';
import {
  compact,
  evacuationsByHost,
  formatMemory,
  heartbeatAge,
  hostActions,
  hostLiveness,
  parseAuditSearch,
  parseHostsSearch,
  parseOperationsSearch,
  parsePoolsSearch,
  percent,
  usageQuery,
  usageRows,
  usageSummary,
} from './operator';

const ID = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const ID2 = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('search params', () => {
  it('keeps a pool and a range, and leaves the default range out of the URL', () => {
    expect(parsePoolsSearch({ pool: ID, range: '7d' })).toEqual({ pool: ID, range: '7d' });
    expect(parsePoolsSearch({ pool: ID, range: '24h' })).toEqual({ pool: ID });
    expect(parsePoolsSearch({ pool: 'not-a-uuid', range: '2y' })).toEqual({});
  });

  it('keeps known host states, drops the rest', () => {
    expect(parseHostsSearch({ state: 'up,bogus,maintenance,up', pool: ID, host: ID2 })).toEqual({
      state: ['up', 'maintenance'],
      pool: ID,
      host: ID2,
    });
    expect(parseHostsSearch({ state: 42, host: '../x' })).toEqual({});
  });

  it('keeps a known operation status and kind and a VM id', () => {
    expect(parseOperationsSearch({ status: 'running', kind: 'evacuate', vmId: ID })).toEqual({
      status: 'running',
      kind: 'evacuate',
      vmId: ID,
    });
    expect(parseOperationsSearch({ status: 'nope', kind: 'evict' })).toEqual({});
    expect(parseOperationsSearch({ vmId: 'x' })).toEqual({});
  });

  it('keeps the audit filters the API accepts, times as ISO, and drops malformed ones', () => {
    expect(
      parseAuditSearch({
        action: 'vm.stop',
        resourceType: 'vm',
        resourceId: ID,
        method: 'PATCH',
        outcome: '4xx',
        since: '2026-12-01T10:00:00+01:00',
      }),
    ).toEqual({
      action: 'vm.stop',
      resourceType: 'vm',
      resourceId: ID,
      method: 'PATCH',
      outcome: '4xx',
      since: '2026-12-01T09:00:00.000Z',
    });
    expect(
      parseAuditSearch({ action: 'DROP TABLE', method: 'GET', outcome: 'ok', since: 'yesterday', tokenId: 'x' }),
    ).toEqual({});
  });

  it('drops empty fields', () => {
    expect(compact({ a: '', b: [], c: undefined, d: 'x', e: ['y'] })).toEqual({ d: 'x', e: ['y'] });
  });
});

describe('usage plots', () => {
  const point = (at: string, used: number, capacity: number, peak = used) => ({
    at,
    capacity: { vcpus: capacity, memoryMb: capacity * 1024, diskGb: capacity * 10 },
    used: { vcpus: used, memoryMb: used * 1024, diskGb: used * 10, instances: used },
    peak: { vcpus: peak, memoryMb: peak * 1024, diskGb: peak * 10, instances: peak },
  });

  it('asks for the range ending now, on a whole second', () => {
    expect(usageQuery('1h', Date.UTC(2026, 11, 1, 12, 0, 0, 400))).toEqual({
      since: '2026-12-01T11:00:01.000Z',
      until: '2026-12-01T12:00:01.000Z',
    });
  });

  it('plots a resource with its capacity, and instances without (no host caps them)', () => {
    const points = [point('2026-12-01T12:00:00.000Z', 4, 16, 6), point('2026-12-01T12:05:00.000Z', 8, 16)];
    expect(usageRows(points, 'memoryMb')).toEqual([
      { t: Date.UTC(2026, 11, 1, 12), used: 4096, peak: 6144, capacity: 16_384 },
      { t: Date.UTC(2026, 11, 1, 12, 5), used: 8192, peak: 8192, capacity: 16_384 },
    ]);
    expect(usageRows(points, 'instances')[0]).toEqual({ t: Date.UTC(2026, 11, 1, 12), used: 4, peak: 6 });
  });

  it('says the latest value against capacity and the peak of the window', () => {
    const rows = usageRows([point('2026-12-01T12:00:00Z', 4, 16, 12), point('2026-12-01T12:05:00Z', 8, 16)], 'vcpus');
    expect(usageSummary(rows, '')).toBe('Now 8 of 16 (50%); peak 12 in this window.');
    expect(usageSummary(usageRows([point('2026-12-01T12:00:00Z', 2.5, 0)], 'instances'), '')).toBe(
      'Now 2.5; peak 2.5 in this window.',
    );
    expect(usageSummary([], 'MB')).toBe('No samples in this window yet.');
  });

  it('rounds a percentage and keeps it within 0..100', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 4)).toBe(100);
    expect(percent(5, 0)).toBe(0);
  });
});

describe('hosts', () => {
  it('says a heartbeat age in the unit that reads best', () => {
    expect(heartbeatAge(undefined)).toBe('never');
    expect(heartbeatAge(840)).toBe('0.8 s');
    expect(heartbeatAge(42_000)).toBe('42 s');
    expect(heartbeatAge(180_000)).toBe('3 min');
    expect(heartbeatAge(3 * 3_600_000)).toBe('3 h');
    expect(heartbeatAge(5 * 86_400_000)).toBe('5 d');
  });

  it('tells an up host heard from lately from one that is not', () => {
    expect(hostLiveness({ state: 'up', live: true })).toEqual({ label: 'up', color: 'green' });
    expect(hostLiveness({ state: 'up', live: false }).label).toBe('up, not heard from');
    expect(hostLiveness({ state: 'down', live: false })).toEqual({ label: 'down', color: 'red' });
  });

  it('offers only the actions the API allows in each state', () => {
    expect(hostActions({ state: 'up', live: true })).toEqual({ maintenance: true, enable: false, declareDead: false });
    expect(hostActions({ state: 'maintenance', live: true })).toEqual({
      maintenance: true,
      enable: true,
      declareDead: false,
    });
    expect(hostActions({ state: 'unreachable', live: false })).toEqual({
      maintenance: true,
      enable: false,
      declareDead: true,
    });
    expect(hostActions({ state: 'suspect', live: false })).toEqual({
      maintenance: false,
      enable: false,
      declareDead: true,
    });
    expect(hostActions({ state: 'down', live: false })).toEqual({
      maintenance: false,
      enable: false,
      declareDead: false,
    });
  });

  it("finds each host's evacuation under way, the newest when there are several", () => {
    const op = (id: string, hostId: string, status: Operation['status'], createdAt: string, kind = 'evacuate') =>
      ({ id, kind, status, hostId, createdAt, progress: 0, attempts: 0 }) as Operation;
    const found = evacuationsByHost([
      op('a', ID, 'failed', '2026-12-01T12:00:00Z'),
      op('b', ID, 'running', '2026-12-01T12:01:00Z'),
      op('c', ID, 'queued', '2026-12-01T12:02:00Z'),
      op('d', ID2, 'running', '2026-12-01T12:00:00Z', 'migrate'),
    ]);
    expect([...found.entries()].map(([h, o]) => [h, o.id])).toEqual([[ID, 'c']]);
  });

  it('shows memory in MB or GiB', () => {
    expect(formatMemory(512)).toBe('512 MB');
    expect(formatMemory(1536)).toBe('1.5 GiB');
  });
});
