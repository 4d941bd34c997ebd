import { Cloud } from '@xenplane/testing';
import { rowCounts, usageByHost } from './helpers';

describe('POST /v1/placement/dry-run', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 3 });
  });
  afterAll(() => cloud?.stop());

  it('says where a batch would land, spread over the pool, and claims nothing', async () => {
    const before = { rows: await rowCounts(cloud), usage: await usageByHost(cloud) };
    const res = await cloud.api.post('/v1/placement/dry-run', { flavor: 'm1.small', image: 'tiny-pv', count: 3 });
    expect(res.status).toBe(200);
    expect(res.body.placeable).toBe(true);
    expect(res.body.hostsConsidered).toBe(3);
    expect(res.body.placements).toHaveLength(3);
    // the default weighers spread: three VMs on three empty hosts
    expect(new Set(res.body.placements.map((p: any) => p.hostId)).size).toBe(3);
    expect(res.body.placements[0].hostName).toMatch(/\S/);
    expect(res.body.filters.every((f: any) => f.removed === 0)).toBe(true);
    expect(await rowCounts(cloud)).toEqual(before.rows);
    expect(await usageByHost(cloud)).toEqual(before.usage);
  });

  it('explains a request nothing can take, per filter', async () => {
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    const tooBig = Math.max(...hosts.map((h) => h.capacity.memoryMb)) + 1;
    const res = await cloud.api.post('/v1/placement/dry-run', {
      vcpus: 1,
      memoryMb: tooBig,
      diskGb: 1,
      guestType: 'pv',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ placeable: false, hostsConsidered: 3, placements: [], failedIndex: 0 });
    expect(res.body.filters).toContainEqual(expect.objectContaining({ filter: 'capacity_memory', removed: 3 }));
  });

  it('finds the VM of a batch that no longer fits', async () => {
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    const half = Math.floor(Math.min(...hosts.map((h) => h.capacity.memoryMb)) / 2);
    // two per host fit: the seventh does not
    const res = await cloud.api.post('/v1/placement/dry-run', {
      vcpus: 1,
      memoryMb: half,
      diskGb: 1,
      guestType: 'pv',
      count: 7,
    });
    expect(res.body).toMatchObject({ placeable: false, failedIndex: 6 });
  });

  it('leaves out the hosts it is told to', async () => {
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    const res = await cloud.api.post('/v1/placement/dry-run', {
      flavor: 'm1.small',
      image: 'tiny-pv',
      excludeHostIds: hosts.slice(1).map((h) => h.id),
    });
    expect(res.body.placements.map((p: any) => p.hostId)).toEqual([hosts[0].id]);
    expect(res.body.filters).toContainEqual(expect.objectContaining({ filter: 'excluded', removed: 2 }));
  });

  it('refuses bad input with 400 and tenants with 403', async () => {
    for (const body of [
      { image: 'tiny-pv' },
      { flavor: 'm1.small' },
      { flavor: 'nope', image: 'tiny-pv' },
      { flavor: 'm1.small', image: 'tiny-pv', count: 101 },
      { vcpus: -1, memoryMb: 1, diskGb: 1, guestType: 'pv' },
    ]) {
      const res = await cloud.api.post('/v1/placement/dry-run', body);
      expect({ body, status: res.status, type: res.headers.get('content-type') }).toEqual({
        body,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
      });
    }
    const project = await cloud.api.post('/v1/projects', { name: 'dry-run-tenant' });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 't', role: 'admin' })).body
      .token;
    const res = await cloud.api
      .withToken(token)
      .post('/v1/placement/dry-run', { flavor: 'm1.small', image: 'tiny-pv' });
    expect(res.status).toBe(403);
  });
});
