import { type ApiClient, Cloud } from '@xenplane/testing';
import { rowCounts, waitForOperations } from './helpers';

/**
 * Networks and addresses, end to end: every VM's vif gets a MAC in Xen's range and an address
 * of its network in the statement that creates it, never one twice however many requests race
 * (CloudStack #3103), a network that runs out refuses the request whole with its name, addresses
 * come back when VMs are deleted, and the MAC is what the host builds the domain with.
 */
describe('networks', () => {
  let cloud: Cloud;
  let defaultPool: string;

  beforeAll(async () => {
    // hosts with room for every VM here (16 CPUs would hold only 168 xp.micro: the race's 200 must all run)
    cloud = await Cloud.start({ hosts: 3, agentEnv: { SIM_CPUS: '64', SIM_BOOT_MS: '20', SIM_SHUTDOWN_MS: '0' } });
    defaultPool = await cloud.defaultPoolId();
  });
  afterAll(() => cloud?.stop());

  /** Everything a refused request must leave as it was, addresses and networks included. */
  const counts = () => rowCounts(cloud);
  const network = async (poolId: string, body: Record<string, unknown>) => {
    const res = await cloud.api.post(`/v1/pools/${poolId}/networks`, { bridge: 'xenbr0', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  };
  const tenant = async (name: string, role = 'member'): Promise<ApiClient> => {
    const project = (await cloud.api.post('/v1/projects', { name })).body;
    return cloud.api.withToken((await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name, role })).body.token);
  };
  const create = async (api: ApiClient, body: Record<string, unknown>) => {
    const res = await api.post('/v1/vms', { flavor: 'xp.micro', image: 'tiny-pv', ...body });
    expect({ status: res.status, body: res.status === 202 ? undefined : res.body }).toEqual({
      status: 202,
      body: undefined,
    });
    return res.body as { vms: any[]; operations: { id: string }[] };
  };
  const ipNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const MAC = /^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/;

  it('gives a VM created as the quick start does an address of the default pool’s default network, and its host the MAC', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'hello', flavor: 'm1.small', image: 'tiny-pv' });
    expect(res.status).toBe(202);
    const [vm] = res.body.vms;
    expect(vm.addresses).toEqual([
      { network: 'default', networkId: expect.any(String), mac: expect.stringMatching(MAC), ip: expect.any(String) },
    ]);
    const { mac, ip } = vm.addresses[0];
    expect(ipNumber(ip)).toBeGreaterThanOrEqual(ipNumber('10.0.0.10'));
    expect(ipNumber(ip)).toBeLessThanOrEqual(ipNumber('10.0.255.254'));
    expect(vm.poolId).toBe(defaultPool);
    const running = await cloud.waitForVmState(vm.id, 'running');
    expect(running.addresses).toEqual(vm.addresses);
    const host = (await cloud.api.get(`/v1/hosts/${running.hostId}`)).body;
    const domain = await (await cloud.agentClient(host.name)).getDomain({ vmId: vm.id });
    expect(domain.vifs).toEqual([{ mac, bridge: 'xenbr0', ip, rate: '', model: '' }]);
    // and the guest is told its address, through its config drive
    const console = await cloud.api.get(`/v1/vms/${vm.id}/console`);
    expect(console.body.output).toContain(`cloud-init: network eth0 ${mac} ${ip}/16 via 10.0.0.1`);
  });

  it('builds no vif for a VM asked for with no network', async () => {
    const { vms, operations } = await create(cloud.api, { name: 'offline', networks: [] });
    expect(vms[0].addresses).toEqual([]);
    await waitForOperations(cloud, [operations[0]!.id]);
    const vm = (await cloud.api.get(`/v1/vms/${vms[0].id}`)).body;
    const host = (await cloud.api.get(`/v1/hosts/${vm.hostId}`)).body;
    expect((await (await cloud.agentClient(host.name)).getDomain({ vmId: vm.id })).vifs).toEqual([]);
    expect((await cloud.api.get(`/v1/vms/${vm.id}/console`)).body.output).not.toContain('cloud-init: network');
  });

  it('never gives one address twice when 200 creates from 10 projects race for a /24', async () => {
    const race = await network(defaultPool, { name: 'race', cidr: '10.50.0.0/24', gateway: '10.50.0.1' });
    const tenants = await Promise.all(Array.from({ length: 10 }, (_, i) => tenant(`racer-${i}`)));
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        tenants[i % 10]!.post('/v1/vms', { name: `r${i}`, flavor: 'xp.micro', image: 'tiny-pv', networks: ['race'] }),
      ),
    );
    expect(answers.filter((a) => a.status !== 202).map((a) => a.body)).toEqual([]);
    const addresses = answers.flatMap((a) => a.body.vms[0].addresses);
    expect(addresses).toHaveLength(200);
    expect(new Set(addresses.map((a: any) => a.ip)).size).toBe(200);
    expect(new Set(addresses.map((a: any) => a.mac)).size).toBe(200);
    for (const a of addresses) {
      expect(a.network).toBe('race');
      expect(ipNumber(a.ip)).toBeGreaterThan(ipNumber('10.50.0.1')); // the gateway is never given
      expect(ipNumber(a.ip)).toBeLessThan(ipNumber('10.50.0.255'));
    }
    const stored = await cloud.db.vmAddress.findMany({ where: { networkId: race.id } });
    expect(new Set(stored.map((s) => s.ip)).size).toBe(200);
    const ended = await waitForOperations(
      cloud,
      answers.map((a) => a.body.operations[0].id),
    );
    expect(ended.filter((o) => o.status !== 'succeeded')).toEqual([]);
    const use = (await cloud.api.get(`/v1/pools/${defaultPool}/networks`)).body.items.find(
      (n: any) => n.id === race.id,
    );
    expect(use.addresses).toEqual({ total: 253, allocated: 200, free: 53 });
  });

  it('refuses a request its network cannot give addresses to with 422 naming the network, and writes nothing', async () => {
    const tiny = await network(defaultPool, {
      name: 'tiny',
      cidr: '10.60.0.0/24',
      gateway: '10.60.0.1',
      rangeStart: '10.60.0.10',
      rangeEnd: '10.60.0.14',
    });
    const first = await create(cloud.api, { name: 'tiny-a', count: 3, networks: ['tiny'] });
    await waitForOperations(
      cloud,
      first.operations.map((o) => o.id),
    );
    const before = await counts();
    const res = await cloud.api.post('/v1/vms', {
      name: 'tiny-b',
      flavor: 'xp.micro',
      image: 'tiny-pv',
      count: 3,
      networks: [tiny.id],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      code: 'addresses_exhausted',
      status: 422,
      detail: 'network tiny (10.60.0.0/24) has 2 free addresses, the request needs 3',
      network: 'tiny',
      networkId: tiny.id,
      free: 2,
      requested: 3,
    });
    expect(await counts()).toEqual(before);

    // racing for the last two: two get them, the others are refused whole
    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        cloud.api.post('/v1/vms', { name: `last-${i}`, flavor: 'xp.micro', image: 'tiny-pv', networks: ['tiny'] }),
      ),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([202, 202, 422, 422, 422, 422]);
    for (const r of racers.filter((r) => r.status === 422)) expect(r.body).toMatchObject({ network: 'tiny', free: 0 });
    await waitForOperations(
      cloud,
      racers.filter((r) => r.status === 202).map((r) => r.body.operations[0].id),
    );
    const after = await counts();
    expect(after).toEqual({
      ...before,
      vms: before.vms + 2,
      operations: before.operations + 2,
      allocations: before.allocations + 2,
      addresses: before.addresses + 2,
      // each VM's root disk (xp.micro)
      disks: before.disks + 2,
      // the two VMs' and operations' events; the refused requests recorded none
      events: after.events,
    });
    expect(after.events).toBeGreaterThan(before.events);
  });

  it('gives a deleted VM’s address back, to be handed out again, and deletes a network only once nobody holds one', async () => {
    const full = await network(defaultPool, {
      name: 'full',
      cidr: '10.70.0.0/24',
      gateway: '10.70.0.1',
      rangeStart: '10.70.0.2',
      rangeEnd: '10.70.0.4',
    });
    const { vms, operations } = await create(cloud.api, { name: 'full', count: 3, networks: ['full'] });
    await waitForOperations(
      cloud,
      operations.map((o) => o.id),
    );
    expect(
      (await cloud.api.post('/v1/vms', { name: 'x', flavor: 'xp.micro', image: 'tiny-pv', networks: ['full'] })).status,
    ).toBe(422);

    const refused = await cloud.api.delete(`/v1/networks/${full.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/still has 3 addresses held by VMs/);
    expect(await cloud.db.network.count({ where: { id: full.id } })).toBe(1);

    const gone = vms[1];
    const del = await cloud.api.delete(`/v1/vms/${gone.id}`);
    expect(del.status).toBe(202);
    expect((await cloud.waitForOperation(del.body.id)).status).toBe('succeeded');
    expect((await cloud.api.get(`/v1/vms/${gone.id}`)).body).toMatchObject({ state: 'deleted', addresses: [] });
    const again = await create(cloud.api, { name: 'again', networks: ['full'] });
    expect(again.vms[0].addresses[0].ip).toBe(gone.addresses[0].ip);
    expect(again.vms[0].addresses[0].mac).not.toBe(gone.addresses[0].mac);
    await waitForOperations(cloud, [again.operations[0]!.id]);

    const rest = [vms[0], vms[2], again.vms[0]];
    const deletes = await Promise.all(rest.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    expect(deletes.map((d) => d.status)).toEqual([202, 202, 202]);
    await waitForOperations(
      cloud,
      deletes.map((d) => d.body.id),
    );
    expect((await cloud.api.delete(`/v1/networks/${full.id}`)).status).toBe(204);
    expect(await cloud.db.network.count({ where: { id: full.id } })).toBe(0);
    expect((await cloud.api.delete(`/v1/networks/${full.id}`)).status).toBe(404);
  });

  it('refuses a network of another pool than the VM’s, one that does not exist, and a name two pools share, writing nothing', async () => {
    const other = (await cloud.api.post('/v1/pools', { name: 'elsewhere' })).body.id;
    const away = await network(other, { name: 'away', cidr: '10.80.0.0/24', gateway: '10.80.0.1' });
    await network(other, { name: 'twin', cidr: '10.81.0.0/24', gateway: '10.81.0.1' });
    await network(defaultPool, { name: 'twin', cidr: '10.82.0.0/24', gateway: '10.82.0.1' });
    const member = await tenant('outsider');
    const before = await counts();
    const refusals: [Record<string, unknown>, string, RegExp][] = [
      [{ poolId: defaultPool, networks: ['away'] }, 'networks[0]', /pool .* has no network away/],
      [{ poolId: defaultPool, networks: [away.id] }, 'networks[0]', /network away is not in pool/],
      [{ networks: ['nowhere'] }, 'networks[0]', /no such network nowhere/],
      [{ networks: ['00000000-0000-4000-8000-000000000000'] }, 'networks[0]', /no such network/],
      [{ networks: ['twin'] }, 'networks[0]', /several pools have a network named twin/],
      [{ networks: ['default', 'away'] }, 'networks[1]', /in another pool than default/],
      [{ networks: ['default', 'default'] }, 'networks[1]', /named twice/],
      [{ networks: Array.from({ length: 9 }, (_, i) => `n${i}`) }, 'networks', /./],
      [{ networks: 'default' }, 'networks', /./],
    ];
    for (const [body, field, message] of refusals) {
      const res = await member.post('/v1/vms', { name: 'nope', flavor: 'xp.micro', image: 'tiny-pv', ...body });
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'validation_failed',
      });
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
    }
    expect(await counts()).toEqual(before);

    // named by id without a pool, a network puts the VM in its own pool
    const placed = await create(member, { name: 'away', networks: [away.id] });
    expect(placed.vms[0]).toMatchObject({ poolId: other, addresses: [expect.objectContaining({ network: 'away' })] });
    // a pool without hosts: its create fails for want of one (no_valid_host), and is then done writing
    await waitForOperations(cloud, [placed.operations[0]!.id]);
  });

  it('asks for a pool when several pools have a default network, and uses the one named', async () => {
    const second = (await cloud.api.post('/v1/pools', { name: 'second' })).body.id;
    const lan = await network(second, { name: 'lan2', cidr: '10.90.0.0/24', gateway: '10.90.0.1', default: true });
    const before = await counts();
    const res = await cloud.api.post('/v1/vms', { name: 'which', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'networks', message: 'several pools have a default network (default, lan2): give poolId or networks' },
    ]);
    expect(await counts()).toEqual(before);
    const inSecond = await create(cloud.api, { name: 'which', poolId: second });
    expect(inSecond.vms[0].addresses).toEqual([expect.objectContaining({ network: 'lan2', networkId: lan.id })]);
    await waitForOperations(cloud, [inSecond.operations[0]!.id]);
    // not the default any more: the default pool's is the only one again
    expect((await cloud.api.patch(`/v1/networks/${lan.id}`, { default: false })).body.default).toBe(false);
    const plain = await create(cloud.api, { name: 'plain' });
    expect(plain.vms[0]).toMatchObject({
      poolId: defaultPool,
      addresses: [expect.objectContaining({ network: 'default' })],
    });
    await waitForOperations(cloud, [plain.operations[0]!.id]);
  });

  it('lets operators define networks, checked whole, and shows tenants each one without how the hosts wire it', async () => {
    const pool = (await cloud.api.post('/v1/pools', { name: 'defined' })).body.id;
    const before = await counts();
    const bad = await cloud.api.post(`/v1/pools/${pool}/networks`, {
      name: 'bad',
      bridge: 'xen br0',
      cidr: '10.1.2.3/24',
      gateway: '10.1.2.1',
      dns: ['dns.example'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['bridge', 'cidr', 'dns[0]']);
    expect(bad.body.errors[1].message).toBe('10.1.2.3/24 has host bits set: the network is 10.1.2.0/24');
    const outside = await cloud.api.post(`/v1/pools/${pool}/networks`, {
      name: 'bad',
      bridge: 'xenbr0',
      cidr: '10.1.2.0/24',
      gateway: '10.1.3.1',
      rangeStart: '10.1.2.200',
      rangeEnd: '10.1.2.100',
    });
    expect(outside.body.errors.map((e: any) => e.field)).toEqual(['gateway', 'rangeEnd']);
    expect(
      (
        await cloud.api.post('/v1/pools/00000000-0000-4000-8000-000000000000/networks', {
          name: 'x',
          bridge: 'xenbr0',
          cidr: '10.1.2.0/24',
          gateway: '10.1.2.1',
        })
      ).status,
    ).toBe(404);
    expect(await counts()).toEqual(before);

    const a = await network(pool, {
      name: 'a',
      cidr: '10.1.0.0/16',
      gateway: '10.1.0.1',
      dns: ['10.1.0.1'],
      default: true,
    });
    const overlapping = await cloud.api.post(`/v1/pools/${pool}/networks`, {
      name: 'b',
      bridge: 'xenbr0',
      cidr: '10.1.7.0/24',
      gateway: '10.1.7.1',
    });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.detail).toMatch(/network a \(10.1.0.0\/16\) is on bridge xenbr0 too/);
    const taken = await cloud.api.post(`/v1/pools/${pool}/networks`, {
      name: 'a',
      bridge: 'xenbr1',
      cidr: '10.2.0.0/24',
      gateway: '10.2.0.1',
    });
    expect(taken.status).toBe(409);
    // the same block on another bridge is another segment
    const b = await network(pool, {
      name: 'b',
      bridge: 'xenbr1',
      cidr: '10.1.7.0/24',
      gateway: '10.1.7.1',
      default: true,
    });

    const listed = (await cloud.api.get(`/v1/pools/${pool}/networks`)).body.items;
    // newest first
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'b',
        default: true,
        bridge: 'xenbr1',
        addresses: { total: 253, allocated: 0, free: 253 },
      }),
      expect.objectContaining({
        name: 'a',
        default: false,
        bridge: 'xenbr0',
        rangeStart: '10.1.0.1',
        rangeEnd: '10.1.255.254',
      }),
    ]);
    expect((await cloud.api.patch(`/v1/networks/${a.id}`, { default: true })).body.default).toBe(true);
    expect((await cloud.db.network.findUniqueOrThrow({ where: { id: b.id } })).isDefault).toBe(false);
    expect((await cloud.api.patch('/v1/networks/00000000-0000-4000-8000-000000000000', { default: true })).status).toBe(
      404,
    );

    const viewer = await tenant('watcher', 'viewer');
    const seen = (await viewer.get(`/v1/networks?poolId=${pool}`)).body.items;
    expect(seen).toEqual([
      expect.objectContaining({ name: 'b', default: false }),
      {
        id: a.id,
        poolId: pool,
        name: 'a',
        cidr: '10.1.0.0/16',
        gateway: '10.1.0.1',
        dns: ['10.1.0.1'],
        default: true,
        createdAt: expect.any(String),
      },
    ]);
    expect(seen[0].bridge).toBeUndefined();
    expect((await viewer.post(`/v1/pools/${pool}/networks`, { name: 'mine' })).status).toBe(403);
    expect((await viewer.delete(`/v1/networks/${a.id}`)).status).toBe(403);

    // unused, they go (and the default pool is again the only one with a default network)
    for (const n of [a, b]) expect((await cloud.api.delete(`/v1/networks/${n.id}`)).status).toBe(204);
    expect((await cloud.api.get(`/v1/pools/${pool}/networks`)).body.items).toEqual([]);
  });

  it('keeps a VM’s MAC and address when it migrates: the target host builds the same vif', async () => {
    const { vms, operations } = await create(cloud.api, { name: 'mover' });
    await waitForOperations(cloud, [operations[0]!.id]);
    const before = (await cloud.api.get(`/v1/vms/${vms[0].id}`)).body;
    const move = await cloud.api.post(`/v1/vms/${before.id}/actions`, { action: 'migrate' });
    expect(move.status).toBe(202);
    expect((await cloud.waitForOperation(move.body.id)).status).toBe('succeeded');
    const after = (await cloud.api.get(`/v1/vms/${before.id}`)).body;
    expect(after.hostId).not.toBe(before.hostId);
    expect(after.addresses).toEqual(before.addresses);
    const host = (await cloud.api.get(`/v1/hosts/${after.hostId}`)).body;
    const domain = await (await cloud.agentClient(host.name)).getDomain({ vmId: before.id });
    expect(domain.vifs.map((v) => [v.mac, v.ip])).toEqual([[before.addresses[0].mac, before.addresses[0].ip]]);
  });
});
