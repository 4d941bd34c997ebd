import { type ApiClient, Cloud } from '@xenplane/testing';

/** Every page of a list, following nextCursor: the pages' items in order. */
async function walk(client: ApiClient, path: string): Promise<{ pages: any[][]; items: any[] }> {
  const pages: any[][] = [];
  let cursor: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const res = await client.get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body.items);
    cursor = res.body.nextCursor;
    if (pages.length > 50) throw new Error(`${path}: more than 50 pages`);
  } while (cursor);
  return { pages, items: pages.flat() };
}

/** Newest first, ties on createdAt broken by id (descending): the order every list promises. */
function expectNewestFirst(items: { createdAt: string; id: string }[]) {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1]!, items[i]!];
    const at = [Date.parse(a.createdAt), Date.parse(b.createdAt)];
    const pair = [`${a.createdAt} ${a.id}`, `${b.createdAt} ${b.id}`];
    expect({ pair, ordered: at[0]! > at[1]! || (at[0] === at[1] && a.id > b.id) }).toEqual({ pair, ordered: true });
  }
}

const problemField = (res: { status: number; headers: Headers; body: any }) => ({
  status: res.status,
  type: res.headers.get('content-type')?.split(';')[0],
  fields: (res.body.errors ?? []).map((e: { field: string }) => e.field),
});

describe('list routes: keyset pages everywhere, filters that compose with them', () => {
  let cloud: Cloud;
  let tenant: ApiClient;
  let projectId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2 });
    projectId = (await cloud.api.post('/v1/projects', { name: 'lists' })).body.id;
    tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: 't', role: 'member' })).body.token,
    );
    const create = async (body: Record<string, unknown>) => {
      const res = await tenant.post('/v1/vms', { flavor: 'xp.micro', image: 'tiny-pv', ...body });
      expect(res.status).toBe(202);
      for (const op of res.body.operations) await cloud.waitForOperation(op.id);
      return res.body.vms as { id: string; name: string }[];
    };
    // one batch: its VMs share a createdAt, so only the id orders them
    for (const vm of await create({ name: 'walk', count: 7, metadata: { suite: 'lists', batch: 'a' } }))
      ids[vm.name] = vm.id;
    for (const vm of await create({ name: 'other', count: 2, metadata: { suite: 'lists', batch: 'b' } }))
      ids[vm.name] = vm.id;
    ids['ab_c'] = (await create({ name: 'ab_c' }))[0]!.id;
    ids['abxc'] = (await create({ name: 'abxc' }))[0]!.id;
    const stop = await tenant.post(`/v1/vms/${ids['walk-3']}/actions`, { action: 'stop' });
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');
  });
  afterAll(() => cloud?.stop());

  it('walks every VM exactly once, newest first, at any page size', async () => {
    const all = (await walk(tenant, '/v1/vms?limit=500')).items;
    expect(all).toHaveLength(11);
    expectNewestFirst(all);
    for (const limit of [1, 3, 4, 11]) {
      const { pages, items } = await walk(tenant, `/v1/vms?limit=${limit}`);
      expect(pages.map((p) => p.length)).toEqual(
        Array.from({ length: Math.ceil(11 / limit) }, (_, i) => Math.min(limit, 11 - i * limit)),
      );
      expect(items.map((v) => v.id)).toEqual(all.map((v) => v.id));
    }
  });

  it('filters VMs by name, name prefix, state list and metadata, each composing with the cursor', async () => {
    const names = async (query: string, limit = 2) =>
      (await walk(tenant, `/v1/vms?limit=${limit}&${query}`)).items.map((v) => v.name).sort();
    const walkNames = Array.from({ length: 7 }, (_, i) => `walk-${i + 1}`).sort();
    expect(await names('namePrefix=walk-')).toEqual(walkNames);
    expect(await names('name=walk-3')).toEqual(['walk-3']);
    expect(await names('name=walk')).toEqual([]);
    // `_` is a LIKE wildcard: a prefix must match it literally
    expect(await names('namePrefix=ab_')).toEqual(['ab_c']);
    expect(await names('state=stopped')).toEqual(['walk-3']);
    expect(await names('state=running&namePrefix=walk-', 3)).toEqual(walkNames.filter((n) => n !== 'walk-3'));
    expect(await names('state=running,stopped&namePrefix=other')).toEqual(['other-1', 'other-2']);
    expect(await names('state=stopped&state=running&namePrefix=other')).toEqual(['other-1', 'other-2']);
    expect(await names('metadata.batch=b')).toEqual(['other-1', 'other-2']);
    expect(await names('metadata[batch]=a&metadata.suite=lists', 3)).toEqual(walkNames);
    expect(await names('metadata.batch=a&metadata.suite=other')).toEqual([]);
    expect(await names('metadata.batch=a&state=stopped')).toEqual(['walk-3']);
    expect(await names('metadata.nokey=a')).toEqual([]);
    // deleted VMs only when asked for
    const del = await tenant.delete(`/v1/vms/${ids['abxc']}`);
    await cloud.waitForOperation(del.body.id);
    expect(await names('namePrefix=ab')).toEqual(['ab_c']);
    expect(await names('namePrefix=ab&state=deleted')).toEqual(['abxc']);
  });

  it('lets only global tokens list VMs by host, and keeps a tenant to its own VMs', async () => {
    const vm = (await tenant.get(`/v1/vms/${ids['walk-1']}`)).body;
    const onHost = (await walk(cloud.api, `/v1/vms?limit=2&hostId=${vm.hostId}`)).items;
    expect(onHost.length).toBeGreaterThan(0);
    expect(onHost.every((v) => v.hostId === vm.hostId)).toBe(true);
    expect(onHost.map((v) => v.id)).toContain(vm.id);
    const refused = await tenant.get(`/v1/vms?hostId=${vm.hostId}`);
    expect(problemField(refused)).toEqual({ status: 400, type: 'application/problem+json', fields: ['hostId'] });
    const outsider = cloud.api.withToken(
      (
        await cloud.api.post(
          `/v1/projects/${(await cloud.api.post('/v1/projects', { name: 'outsider' })).body.id}/tokens`,
          {
            name: 'o',
            role: 'viewer',
          },
        )
      ).body.token,
    );
    expect((await walk(outsider, '/v1/vms?metadata.suite=lists')).items).toEqual([]);
    // a global token narrows to a project (the console's project switcher); a tenant names only its own
    const own = (await walk(tenant, '/v1/vms?limit=500')).items.map((v) => v.id).sort();
    const ofProject = (await walk(cloud.api, `/v1/vms?limit=3&projectId=${projectId}`)).items;
    expect(ofProject.map((v) => v.id).sort()).toEqual(own);
    expect(ofProject.every((v) => v.projectId === projectId)).toBe(true);
    expect((await walk(tenant, `/v1/vms?limit=500&projectId=${projectId}`)).items.map((v) => v.id).sort()).toEqual(own);
    const other = (await outsider.get('/v1/whoami')).body.projectId;
    expect((await walk(cloud.api, `/v1/vms?projectId=${other}`)).items).toEqual([]);
    expect(problemField(await tenant.get(`/v1/vms?projectId=${other}`))).toEqual({
      status: 400,
      type: 'application/problem+json',
      fields: ['projectId'],
    });
  });

  it('refuses a bad filter with 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['state=running,bogus', 'state'],
      ['state=', 'state'],
      ['name=has%20space', 'name'],
      ['namePrefix=%25', 'namePrefix'],
      ['metadata.a=1&metadata[a]=2', 'metadata'],
      ['metadata=x&metadata.a=1', 'metadata'],
      ['poolId=nope', 'poolId'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['cursor=nope', 'cursor'],
      ['colour=red', 'colour'],
    ] as const) {
      const res = await tenant.get(`/v1/vms?${query}`);
      expect({ query, ...problemField(res) }).toEqual({
        query,
        status: 400,
        type: 'application/problem+json',
        fields: [field],
      });
    }
    const hosts = await cloud.api.get('/v1/hosts?state=up,lost');
    expect(problemField(hosts)).toEqual({ status: 400, type: 'application/problem+json', fields: ['state'] });
    const ops = await tenant.get('/v1/operations?kind=teleport');
    expect(problemField(ops)).toEqual({ status: 400, type: 'application/problem+json', fields: ['kind'] });
  });

  it('pages and filters hosts', async () => {
    const { pages, items } = await walk(cloud.api, '/v1/hosts?limit=1');
    expect(pages.map((p) => p.length)).toEqual([1, 1]);
    expect(new Set(items.map((h) => h.name))).toEqual(new Set(['sim-1', 'sim-2']));
    expectNewestFirst(items);
    const named = (await cloud.api.get('/v1/hosts?name=sim-2&state=up,maintenance')).body;
    expect(named.items.map((h: any) => h.name)).toEqual(['sim-2']);
    expect(named.nextCursor).toBeUndefined();
    expect((await cloud.api.get('/v1/hosts?state=maintenance')).body.items).toEqual([]);
    const poolId = items[0].poolId;
    expect((await walk(cloud.api, `/v1/hosts?limit=1&state=up&poolId=${poolId}`)).items.map((h) => h.id)).toEqual(
      items.map((h) => h.id),
    );
  });

  it('filters operations by kind, with the VM and the status', async () => {
    const stops = (await walk(tenant, '/v1/operations?limit=1&kind=stop')).items;
    expect(stops.map((o) => [o.kind, o.vmId, o.status])).toEqual([['stop', ids['walk-3'], 'succeeded']]);
    const creates = (await walk(tenant, '/v1/operations?limit=4&kind=create&status=succeeded')).items;
    expect(creates).toHaveLength(11);
    expectNewestFirst(creates);
    expect((await walk(tenant, `/v1/operations?kind=create&vmId=${ids['walk-1']}`)).items).toHaveLength(1);
  });

  it('pages every other list, and narrows the named ones by name', async () => {
    await cloud.api.post('/v1/server-groups', { name: 'g1', policy: 'anti-affinity', projectId });
    await cloud.api.post('/v1/server-groups', { name: 'g2', policy: 'affinity', projectId });
    await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: 't2', role: 'viewer' });
    for (const path of [
      '/v1/pools',
      '/v1/flavors',
      '/v1/projects',
      '/v1/images',
      '/v1/networks',
      '/v1/storage-pools',
      '/v1/server-groups',
      '/v1/tokens',
      `/v1/projects/${projectId}/tokens`,
    ]) {
      const whole = (await cloud.api.get(`${path}?limit=500`)).body;
      expect({ path, nextCursor: whole.nextCursor }).toEqual({ path, nextCursor: undefined });
      expect(whole.items.length).toBeGreaterThan(0);
      // not every view shows createdAt (a pool, a flavor): those are checked against the whole list only
      if (whole.items[0].createdAt) expectNewestFirst(whole.items);
      const { items } = await walk(cloud.api, `${path}?limit=1`);
      expect({ path, ids: items.map((i) => i.id) }).toEqual({ path, ids: whole.items.map((i: any) => i.id) });
    }
    for (const [path, name] of [
      ['/v1/pools', 'default'],
      ['/v1/flavors', 'xp.micro'],
      ['/v1/projects', 'lists'],
      ['/v1/images', 'tiny-pv'],
      ['/v1/server-groups', 'g2'],
    ] as const) {
      const res = await cloud.api.get(`${path}?name=${name}`);
      expect({ path, names: res.body.items.map((i: any) => i.name) }).toEqual({ path, names: [name] });
    }
    const pool = (await cloud.api.get('/v1/pools?name=default')).body.items[0];
    expect(
      (await cloud.api.get(`/v1/pools/${pool.id}/networks?name=default`)).body.items.map((n: any) => n.name),
    ).toEqual(['default']);
    expect((await cloud.api.get(`/v1/pools/${pool.id}/storage-pools?limit=1`)).body.items).toHaveLength(1);
    // a tenant's server groups are its own project's
    expect((await walk(tenant, '/v1/server-groups?limit=1')).items.map((g) => g.name).sort()).toEqual(['g1', 'g2']);
  });

  it('documents the pages and the filters in the OpenAPI it serves', async () => {
    const doc = (await cloud.api.withToken(undefined).get('/docs-json')).body;
    const params = Object.fromEntries(doc.paths['/v1/vms'].get.parameters.map((p: any) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(
      ['cursor', 'hostId', 'limit', 'metadata', 'name', 'namePrefix', 'poolId', 'projectId', 'state'].sort(),
    );
    expect(params.metadata).toMatchObject({ in: 'query', style: 'deepObject', explode: true });
    expect(params.state.schema).toMatchObject({ type: 'array', items: { enum: expect.arrayContaining(['running']) } });
    const pageOf = (path: string) => doc.paths[path].get.responses['200'].content['application/json'].schema.$ref;
    for (const [path, page] of [
      ['/v1/hosts', 'HostPage'],
      ['/v1/pools', 'PoolPage'],
      ['/v1/flavors', 'FlavorPage'],
      ['/v1/projects', 'ProjectPage'],
      ['/v1/tokens', 'TokenPage'],
      ['/v1/projects/{id}/tokens', 'TokenPage'],
      ['/v1/projects/{id}/keypairs', 'KeypairPage'],
      ['/v1/images', 'ImagePage'],
      ['/v1/networks', 'NetworkPage'],
      ['/v1/pools/{id}/networks', 'NetworkPage'],
      ['/v1/storage-pools', 'StoragePoolPage'],
      ['/v1/pools/{id}/storage-pools', 'StoragePoolPage'],
      ['/v1/server-groups', 'ServerGroupPage'],
      ['/v1/vms', 'VmPage'],
      ['/v1/operations', 'OperationPage'],
    ] as const) {
      expect({ path, page: pageOf(path) }).toEqual({ path, page: `#/components/schemas/${page}` });
      expect(Object.keys(doc.components.schemas[page].properties).sort()).toEqual(['items', 'nextCursor']);
      expect(doc.paths[path].get.parameters.map((p: any) => p.name)).toEqual(
        expect.arrayContaining(['limit', 'cursor']),
      );
    }
    const events = doc.paths['/v1/events'].get.parameters.map((p: any) => p.name);
    expect(events).toEqual(expect.arrayContaining(['since', 'vmId', 'types']));
  });
});
