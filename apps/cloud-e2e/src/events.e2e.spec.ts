import { Cloud, SseReader } from '@xenplane/testing';

describe('GET /v1/events', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
  });
  afterAll(() => cloud?.stop());

  const stream = (token: string, headers: Record<string, string> = {}) =>
    new SseReader(`${cloud.apiUrl}/v1/events`, { authorization: `Bearer ${token}`, ...headers }).open();

  it('streams a VM going pending, scheduling, building, running, in that order', async () => {
    const sse = await stream(cloud.adminToken);
    try {
      const res = await cloud.api.post('/v1/vms', { name: 'watched', flavor: 'xp.micro', image: 'tiny-pv' });
      const vmId = res.body.vms[0].id;
      await sse.waitFor((e) => e.event === 'vm.state' && e.data.resourceId === vmId && e.data.data.state === 'running');
      const states = sse.events
        .filter((e) => e.data.resourceId === vmId && e.event === 'vm.state')
        .map((e) => e.data.data.state);
      expect(states).toEqual(['pending', 'scheduling', 'building', 'running']);
      const ids = sse.events.map((e) => BigInt(e.id));
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(sse.events.some((e) => e.event === 'operation.status' && e.data.data.status === 'succeeded')).toBe(true);
    } finally {
      await sse.close();
    }
  });

  it('resumes after Last-Event-ID with exactly what was missed', async () => {
    const first = await stream(cloud.adminToken);
    const a = await cloud.api.post('/v1/vms', { name: 'before', flavor: 'xp.micro', image: 'tiny-pv' });
    const seen = await first.waitFor((e) => e.data.resourceId === a.body.vms[0].id && e.data.data.state === 'running');
    await first.close();
    const b = await cloud.api.post('/v1/vms', { name: 'while-away', flavor: 'xp.micro', image: 'tiny-pv' });
    await cloud.waitForVmState(b.body.vms[0].id, 'running');
    const resumed = await stream(cloud.adminToken, { 'last-event-id': seen.id });
    try {
      await resumed.waitFor((e) => e.data.resourceId === b.body.vms[0].id && e.data.data.state === 'running');
      expect(resumed.events.every((e) => BigInt(e.id) > BigInt(seen.id))).toBe(true);
      const missed = resumed.events
        .filter((e) => e.data.resourceId === b.body.vms[0].id && e.event === 'vm.state')
        .map((e) => e.data.data.state);
      expect(missed).toEqual(['pending', 'scheduling', 'building', 'running']);
    } finally {
      await resumed.close();
    }
  });

  it("shows a tenant its own project's events only", async () => {
    const mk = async (name: string) => {
      const p = await cloud.api.post('/v1/projects', { name });
      return {
        id: p.body.id,
        token: (await cloud.api.post(`/v1/projects/${p.body.id}/tokens`, { name: 't', role: 'viewer' })).body.token,
      };
    };
    const mine = await mk('sse-mine');
    const theirs = await mk('sse-theirs');
    const sse = await stream(mine.token);
    try {
      const other = await cloud.api.post('/v1/vms', {
        name: 'not-yours',
        flavor: 'xp.micro',
        image: 'tiny-pv',
        projectId: theirs.id,
      });
      const own = await cloud.api.post('/v1/vms', {
        name: 'yours',
        flavor: 'xp.micro',
        image: 'tiny-pv',
        projectId: mine.id,
      });
      await cloud.waitForVmState(other.body.vms[0].id, 'running');
      await sse.waitFor((e) => e.data.resourceId === own.body.vms[0].id && e.data.data.state === 'running');
      expect(sse.events.every((e) => e.data.projectId === mine.id)).toBe(true);
      expect(sse.events.some((e) => e.event === 'host.state')).toBe(false);
    } finally {
      await sse.close();
    }
  });

  it('narrows the stream to one VM and some types, on replay and live alike, and asks clients to retry after 3 s', async () => {
    const a = await cloud.api.post('/v1/vms', { name: 'filtered-a', flavor: 'xp.micro', image: 'tiny-pv' });
    const b = await cloud.api.post('/v1/vms', { name: 'filtered-b', flavor: 'xp.micro', image: 'tiny-pv' });
    const [vmA, vmB] = [a.body.vms[0].id, b.body.vms[0].id];
    const createA = a.body.operations[0].id;
    await cloud.waitForVmState(vmA, 'running');
    await cloud.waitForVmState(vmB, 'running');
    const aboutA = (e: { data: { resourceId: string; data: { vmId?: string } } }) =>
      e.data.resourceId === vmA || e.data.data.vmId === vmA;
    // replay from the start: A's whole life so far, nothing of B's, no host events
    const all = await stream(cloud.adminToken, { 'last-event-id': '0' });
    const replay = await new SseReader(`${cloud.apiUrl}/v1/events?since=0&vmId=${vmA}`, {
      authorization: `Bearer ${cloud.adminToken}`,
    }).open();
    const typed = await new SseReader(`${cloud.apiUrl}/v1/events?vmId=${vmA}&types=operation.status`, {
      authorization: `Bearer ${cloud.adminToken}`,
    }).open();
    try {
      await replay.waitFor(
        (e) => e.event === 'operation.status' && e.data.resourceId === createA && e.data.data.status === 'succeeded',
      );
      await all.waitFor((e) => e.event === 'vm.state' && e.data.resourceId === vmB && e.data.data.state === 'running');
      expect(replay.retryMs).toBe(3_000);
      const expected = all.events.filter(aboutA).map((e) => e.id);
      expect(expected.length).toBeGreaterThan(4);
      expect(replay.events.map((e) => e.id)).toEqual(expected);
      // live: A stopped; B stopped too, and must not show
      const stopB = await cloud.api.post(`/v1/vms/${vmB}/actions`, { action: 'stop' });
      const stopA = await cloud.api.post(`/v1/vms/${vmA}/actions`, { action: 'stop' });
      await cloud.waitForOperation(stopB.body.id);
      await cloud.waitForOperation(stopA.body.id);
      await replay.waitFor((e) => e.event === 'vm.state' && e.data.data.state === 'stopped');
      await typed.waitFor((e) => e.data.resourceId === stopA.body.id && e.data.data.status === 'succeeded');
      await all.waitFor((e) => e.data.resourceId === stopA.body.id && e.data.data.status === 'succeeded');
      await all.waitFor((e) => e.data.resourceId === stopB.body.id && e.data.data.status === 'succeeded');
      expect(replay.events.every(aboutA)).toBe(true);
      expect(replay.events.map((e) => e.id)).toEqual(all.events.filter(aboutA).map((e) => e.id));
      expect(typed.events.length).toBeGreaterThan(0);
      expect(typed.events.every((e) => e.event === 'operation.status' && e.data.data.vmId === vmA)).toBe(true);
      const firstTyped = BigInt(typed.events[0]!.id);
      const expectedTyped = all.events.filter(
        (e) => e.event === 'operation.status' && aboutA(e) && BigInt(e.id) >= firstTyped,
      );
      expect(typed.events.map((e) => e.id)).toEqual(expectedTyped.map((e) => e.id));
    } finally {
      await Promise.all([all.close(), replay.close(), typed.close()]);
    }
  });

  it('refuses a filter it cannot apply before the stream starts: 400 naming it, 404 for a VM not yours', async () => {
    const get = (query: string, token = cloud.adminToken) =>
      fetch(`${cloud.apiUrl}/v1/events?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const badType = await get('types=vm.state,vm.exploded');
    expect(badType.status).toBe(400);
    expect(badType.headers.get('content-type')).toContain('application/problem+json');
    const body = (await badType.json()) as { errors: unknown[] };
    expect(body.errors).toEqual([{ field: 'types', message: expect.stringContaining('"vm.exploded"') }]);
    const badVm = await get('vmId=not-a-uuid');
    expect(badVm.status).toBe(400);
    expect(((await badVm.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('vmId');
    const unknown = await get('vmId=3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b');
    expect(unknown.status).toBe(404);
    // a tenant cannot watch another project's VM, nor learn it exists
    const p = await cloud.api.post('/v1/projects', { name: 'sse-filter-tenant' });
    const token = (await cloud.api.post(`/v1/projects/${p.body.id}/tokens`, { name: 't', role: 'viewer' })).body.token;
    const admins = await cloud.api.post('/v1/vms', { name: 'not-the-tenants', flavor: 'xp.micro', image: 'tiny-pv' });
    const foreign = await get(`vmId=${admins.body.vms[0].id}`, token);
    expect(foreign.status).toBe(404);
    await cloud.waitForOperation(admins.body.operations[0].id);
  });
});
