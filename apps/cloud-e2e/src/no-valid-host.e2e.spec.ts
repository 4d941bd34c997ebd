import { Cloud } from '@xenplane/testing';
import { usageByHost, waitForOperations } from './helpers';

describe('a full pool', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 3 });
  });
  afterAll(() => cloud?.stop());

  it('fails the VM that does not fit with no_valid_host, per-filter counts, and nothing claimed', async () => {
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    const memoryMb = Math.min(...hosts.map((h) => h.capacity.memoryMb));
    // a flavor as large as a whole host: three fill the pool
    const flavor = await cloud.api.post('/v1/flavors', { name: 'whole-host', vcpus: 1, memoryMb, diskGb: 1 });
    expect(flavor.status).toBe(201);
    const fill = await cloud.api.post('/v1/vms', { name: 'fill', flavor: 'whole-host', image: 'tiny-pv', count: 3 });
    expect(fill.status).toBe(202);
    const filled = await waitForOperations(
      cloud,
      fill.body.operations.map((o: any) => o.id),
    );
    expect(filled.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const before = await usageByHost(cloud);

    const extra = await cloud.api.post('/v1/vms', { name: 'extra', flavor: 'whole-host', image: 'tiny-pv' });
    expect(extra.status).toBe(202);
    const op = await cloud.waitForOperation(extra.body.operations[0].id);
    expect(op.status).toBe('failed');
    expect(op.error.code).toBe('no_valid_host');
    expect(op.error.details.hostsConsidered).toBe(3);
    const removed = Object.fromEntries(op.error.details.filters.map((f: any) => [f.filter, f.removed]));
    expect(Object.values(removed).reduce((a: number, b) => a + (b as number), 0)).toBe(3);
    expect(
      op.error.details.filters.some(
        (f: any) => f.removed === 3 && /memory|capacity|ram/i.test(`${f.filter} ${f.reason}`),
      ),
    ).toBe(true);

    const vm = (await cloud.api.get(`/v1/vms/${extra.body.vms[0].id}`)).body;
    expect(vm.state).toBe('error');
    expect(vm.error.code).toBe('no_valid_host');
    expect(vm.hostId).toBeUndefined();
    expect(await cloud.db.allocation.count({ where: { vmId: vm.id } })).toBe(0);
    expect(await usageByHost(cloud)).toEqual(before);
  });
});
