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
});
