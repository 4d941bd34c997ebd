import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { FaultKind } from '@xenplane/proto';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { Cloud, waitFor } from '@xenplane/testing';

/**
 * Maintenance mode: an operator drains a host. Its running VMs move to the other hosts of the
 * pool (never more than K migrations off it at once), new VMs stay off it, and enable brings
 * it back. A pool without room keeps what cannot move where it runs; a scheduler killed
 * mid-evacuation is replaced by one that carries on from the database.
 */
describe('host maintenance', () => {
  let cloud: Cloud;
  // migrations off one host at once (HOST_OPERATION_CONCURRENCY)
  const K = 2;
  const HOSTS = ['sim-1', 'sim-2', 'sim-3'];

  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 3,
      // small hosts (5852 MB offered: two m1.small each) and a slow link (an xp.micro takes ~2 s to move)
      agentEnv: { SIM_MEMORY_MB: '8192', SIM_MIGRATION_MBPS: '64', SIM_SHUTDOWN_MS: '100' },
      schedulerEnv: { HOST_OPERATION_CONCURRENCY: String(K) },
    });
  });
  afterAll(() => cloud?.stop());
  afterEach(async () => {
    for (const h of HOSTS) await (await cloud.simControl(h)).clearFaults();
    // a host a test left in maintenance comes back by enable, one it cut off by its heartbeats
    await waitFor('hosts answering', async () =>
      (await hosts()).every((h) => h.state !== 'down' && h.state !== 'suspect') ? true : undefined,
    );
    for (const h of await hosts()) if (h.state !== 'up') expect((await enable(h.id)).status).toBe(200);
    await cloud.waitForHosts(3, 'up');
    // every test starts with empty hosts
    const vms = await cloud.db.vm.findMany({ where: { state: { not: 'deleted' } }, select: { id: true } });
    const deletes = await Promise.all(vms.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    await Promise.all(deletes.filter((d) => d.status === 202).map((d) => cloud.waitForOperation(d.body.id, 90_000)));
  });

  type HostRow = { id: string; name: string; state: string; usage: Record<string, number> };
  const hosts = async () => (await cloud.api.get('/v1/hosts')).body.items as HostRow[];
  const hostNamed = async (name: string) => (await hosts()).find((h) => h.name === name)!;
  const maintenance = (hostId: string, body: Record<string, unknown> = {}) =>
    cloud.api.post(`/v1/hosts/${hostId}/maintenance`, body);
  const enable = (hostId: string) => cloud.api.post(`/v1/hosts/${hostId}/enable`, {});
  const vmView = async (id: string) => (await cloud.api.get(`/v1/vms/${id}`)).body;
  const vmsOn = (hostId: string) =>
    cloud.db.vm.findMany({ where: { hostId, state: { not: 'deleted' } }, orderBy: { name: 'asc' } });
  const create = async (name: string, flavor: string, count = 1) => {
    const res = await cloud.api.post('/v1/vms', { name, flavor, image: 'tiny-pv', count });
    expect(res.status).toBe(202);
    const ops = await Promise.all(res.body.operations.map((o: { id: string }) => cloud.waitForOperation(o.id)));
    expect(ops.map((o) => o.status)).toEqual(Array(count).fill('succeeded'));
    return Promise.all(res.body.vms.map((v: { id: string }) => vmView(v.id)));
  };

  /** VMs created while only `target` takes new ones: the others in maintenance without evacuation. */
  async function createOn(target: HostRow, name: string, flavor: string, count: number) {
    const others = (await hosts()).filter((h) => h.id !== target.id);
    for (const h of others) expect((await maintenance(h.id, { evacuate: false })).status).toBe(200);
    const vms = await create(name, flavor, count);
    for (const h of others) expect((await enable(h.id)).status).toBe(200);
    expect(vms.map((v) => v.hostId)).toEqual(Array(count).fill(target.id));
    return vms;
  }

  /** The migrate operations an evacuation started, as the database has them. */
  const movesOf = (evacuationId: string) =>
    cloud.db.operation.findMany({
      where: { kind: 'migrate', params: { path: ['evacuationId'], equals: evacuationId } },
      orderBy: { createdAt: 'asc' },
    });

  /** Once the evacuation has started moving VMs. */
  const firstMoves = (opId: string) =>
    waitFor('the first migrations', async () => ((await movesOf(opId)).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
  /** The evacuation's migrations, once every one of them has ended. */
  const movesEnded = (opId: string) =>
    waitFor(
      'the migrations under way to end',
      async () => {
        const m = await movesOf(opId);
        return m.every((x) => x.finishedAt) ? m : undefined;
      },
      { timeoutMs: 60_000 },
    );
  /** Each VM runs exactly one domain, on the host it is recorded on, and holds one claim, there. */
  async function expectTruthRecorded(vmIds: string[]) {
    const byName = new Map((await hosts()).map((h) => [h.name, h.id]));
    const lives = await cloud.domainLives();
    for (const id of vmIds) {
      const vm = await vmView(id);
      expect({ id, state: vm.state }).toEqual({ id, state: 'running' });
      const alive = lives.filter((l) => l.vmId === id && !l.endedAt && l.endReason !== 'create_aborted');
      expect(alive.map((l) => ({ hostId: byName.get(l.host), domId: l.domId }))).toEqual([
        { hostId: vm.hostId, domId: vm.domId },
      ]);
      expect((await cloud.db.allocation.findMany({ where: { vmId: id } })).map((a) => a.hostId)).toEqual([vm.hostId]);
    }
    const claims = await cloud.db.allocation.groupBy({ by: ['hostId'], _sum: { memoryMb: true }, _count: true });
    for (const h of await hosts()) {
      const c = claims.find((x) => x.hostId === h.id);
      expect({ host: h.name, memoryMb: h.usage['memoryMb'], instances: h.usage['instances'] }).toEqual({
        host: h.name,
        memoryMb: c?._sum.memoryMb ?? 0,
        instances: c?._count ?? 0,
      });
    }
  }

  /** Most migrations of the evacuation that were open at any one moment. */
  function mostAtOnce(moves: { createdAt: Date; finishedAt: Date | null }[]) {
    const edges = moves.flatMap((m) => [
      { t: m.createdAt.getTime(), d: 1 },
      { t: (m.finishedAt ?? new Date(8.64e15)).getTime(), d: -1 },
    ]);
    // an end and a start at the same millisecond: the end first
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let open = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (open += e.d));
    return most;
  }

  it('drains a host onto the others, K at a time, keeps new VMs off it, and enable brings it back', async () => {
    const drained = await hostNamed('sim-1');
    const vms = await createOn(drained, 'drained', 'xp.micro', 5);

    const res = await maintenance(drained.id);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'evacuate', hostId: drained.id, status: 'queued' });
    expect(res.body.vmId).toBeUndefined();
    expect((await hostNamed('sim-1')).state).toBe('maintenance');

    // new VMs never land on a host in maintenance, even while it drains
    const newcomers = await create('newcomer', 'xp.micro', 2);
    expect(newcomers.map((v) => v.hostId)).not.toContain(drained.id);

    const progress: number[] = [];
    const op = await waitFor(
      'the evacuation to end',
      async () => {
        const o = (await cloud.api.get(`/v1/operations/${res.body.id}`)).body;
        progress.push(o.progress);
        return o.status === 'running' || o.status === 'queued' ? undefined : o;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect(op).toMatchObject({ status: 'succeeded', progress: 100, kind: 'evacuate', hostId: drained.id });
    // progress grew with the VMs moved, never backwards
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);

    expect(await vmsOn(drained.id)).toEqual([]);
    expect((await hostNamed('sim-1')).usage).toEqual({ vcpus: 0, memoryMb: 0, diskGb: 0, instances: 0 });
    await expectTruthRecorded([...vms, ...newcomers].map((v) => v.id));
    const moves = await movesOf(op.id);
    expect(moves.map((m) => m.vmId).sort()).toEqual(vms.map((v) => v.id).sort());
    expect(moves.map((m) => m.status)).toEqual(Array(5).fill('succeeded'));
    // never more than K at once off the host, and K in parallel when there was enough to move
    expect(mostAtOnce(moves)).toBe(K);
    // the host's state changes are in the event stream
    const events = await cloud.db.event.findMany({
      where: { resourceId: drained.id, type: 'host.state' },
      orderBy: { id: 'asc' },
    });
    expect(events.at(-1)!.data).toEqual({ state: 'maintenance', name: 'sim-1' });

    const enabled = await enable(drained.id);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ id: drained.id, state: 'up' });
    const after = await cloud.db.event.findMany({
      where: { resourceId: drained.id, type: 'host.state' },
      orderBy: { id: 'asc' },
    });
    expect(after.at(-1)!.data).toEqual({ state: 'up', name: 'sim-1' });
    // it takes new VMs again: the only host that does
    await createOn(drained, 'returning', 'xp.micro', 1);
    // enabling an up host changes nothing
    expect((await enable(drained.id)).body.state).toBe('up');
    expect(await cloud.db.event.count({ where: { resourceId: drained.id, type: 'host.state' } })).toBe(after.length);
  });

  it('without room for every VM: fails naming those left, which run on where they were; the host stays in maintenance', async () => {
    const drained = await hostNamed('sim-1');
    const bigs = await createOn(drained, 'big', 'm1.small', 2);
    const [small] = await createOn(drained, 'small', 'xp.micro', 1);
    // the other two hosts full but for an xp.micro's room
    const full = (await hosts()).filter((h) => h.id !== drained.id);
    expect((await maintenance(drained.id, { evacuate: false })).status).toBe(200);
    const fillers = await create('filler', 'm1.small', 4);
    expect(new Set(fillers.map((v) => v.hostId))).toEqual(new Set(full.map((h) => h.id)));

    // already in maintenance: an evacuation may still be asked for
    const res = await maintenance(drained.id, { evacuate: true });
    expect(res.status).toBe(202);
    const op = await cloud.waitForOperation(res.body.id, 90_000);
    expect(op).toMatchObject({ status: 'failed', error: { code: 'no_valid_host' } });
    expect(op.error.details.vms.map((v: { vmId: string }) => v.vmId).sort()).toEqual(bigs.map((v) => v.id).sort());
    for (const v of op.error.details.vms)
      expect(v).toMatchObject({
        code: 'no_valid_host',
        message: expect.stringMatching(/no other host of the pool can take this VM/),
      });
    expect(op.error.message).toMatch(/^2 VM\(s\) could not leave host sim-1/);

    // the small one moved; the big ones run where they were, as they were: nothing lost
    expect((await vmView(small.id)).hostId).not.toBe(drained.id);
    for (const big of bigs)
      expect(await vmView(big.id)).toMatchObject({ state: 'running', hostId: drained.id, domId: big.domId });
    await expectTruthRecorded([...bigs, small, ...fillers].map((v) => v.id));
    expect((await hostNamed('sim-1')).state).toBe('maintenance');
  });

  it('refuses what makes no sense: a tenant 403, an unknown host 404, a down host 409, a bad body 400', async () => {
    const project = await cloud.api.post('/v1/projects', { name: 'maint-tenants' });
    const tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 't', role: 'admin' })).body.token,
    );
    const host = await hostNamed('sim-2');
    const operations = await cloud.db.operation.count();

    expect((await tenant.post(`/v1/hosts/${host.id}/maintenance`, {})).status).toBe(403);
    expect((await tenant.post(`/v1/hosts/${host.id}/enable`, {})).status).toBe(403);
    const unknown = await maintenance('7d4c0a34-8f65-4f3e-9a43-3e4b1e0b7a11');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await enable('7d4c0a34-8f65-4f3e-9a43-3e4b1e0b7a11')).status).toBe(404);
    expect((await maintenance('not-a-uuid')).status).toBe(400);
    const bad = await maintenance(host.id, { evacuate: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed' });

    await (await cloud.simControl('sim-2')).injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    await waitFor('sim-2 down', async () => ((await hostNamed('sim-2')).state === 'down' ? true : undefined), {
      timeoutMs: 30_000,
    });
    const down = await maintenance(host.id);
    expect(down.status).toBe(409);
    expect(down.body).toMatchObject({ code: 'conflict', detail: 'cannot put a host that is down into maintenance' });
    expect((await enable(host.id)).status).toBe(409);
    expect((await hostNamed('sim-2')).state).toBe('down');
    // nothing was started by any refused call
    expect(await cloud.db.operation.count()).toBe(operations);
  });

  it('a scheduler SIGKILLed mid-evacuation: the next one carries on from the database and finishes', async () => {
    const drained = await hostNamed('sim-2');
    const vms = await createOn(drained, 'resumed', 'xp.micro', 5);
    const res = await maintenance(drained.id);
    // a second evacuation while one runs is refused
    const again = await maintenance(drained.id);
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('an evacuation of this host is already under way');

    await waitFor(
      'a first VM moved',
      async () => ((await movesOf(res.body.id)).some((m) => m.status === 'succeeded') ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 50,
      },
    );
    await cloud.schedulers.at(-1)!.kill();
    await cloud.addScheduler();
    const op = await cloud.waitForOperation(res.body.id, 120_000);
    expect(op).toMatchObject({ status: 'succeeded', progress: 100 });
    expect(await vmsOn(drained.id)).toEqual([]);
    await expectTruthRecorded(vms.map((v) => v.id));
    const moves = await movesOf(op.id);
    // each VM moved once: the new scheduler did not start again what the killed one had
    expect(moves.map((m) => m.vmId).sort()).toEqual(vms.map((v) => v.id).sort());
    expect(mostAtOnce(moves)).toBeLessThanOrEqual(K);
    const ends = await cloud.db.event.count({
      where: { resourceId: op.id, type: 'operation.status', data: { path: ['status'], equals: 'succeeded' } },
    });
    expect(ends).toBe(1);
  });

  it('enable mid-evacuation cancels it: the VMs it moved stay moved, the rest stay, none is lost', async () => {
    const drained = await hostNamed('sim-3');
    const vms = await createOn(drained, 'halted', 'xp.micro', 6);
    const res = await maintenance(drained.id);
    await firstMoves(res.body.id);

    const enabled = await enable(drained.id);
    expect(enabled.body.state).toBe('up');
    const op = (await cloud.api.get(`/v1/operations/${res.body.id}`)).body;
    expect(op).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: 'the host was enabled' } });

    // the migrations under way end by themselves; no new one starts
    const moves = await movesEnded(op.id);
    // the evacuation's job has had its next look (it ran to completion, finding it cancelled)
    await cloud.waitForJobDone(op.id);
    expect(await movesOf(op.id)).toHaveLength(moves.length);
    expect(moves.length).toBeLessThanOrEqual(2 * K);
    const moved = moves.filter((m) => m.status === 'succeeded').map((m) => m.vmId);
    for (const id of moved) expect((await vmView(id!)).hostId).not.toBe(drained.id);
    expect((await vmsOn(drained.id)).length).toBe(vms.length - moved.length);
    expect(vms.length - moved.length).toBeGreaterThanOrEqual(2);
    await expectTruthRecorded(vms.map((v) => v.id));
  });

  it('an operator cancels a running evacuation: it stops at its next look, the VMs it moved stay moved', async () => {
    const drained = await hostNamed('sim-2');
    const vms = await createOn(drained, 'stopped-midway', 'xp.micro', 6);
    const res = await maintenance(drained.id);
    await firstMoves(res.body.id);
    const secret = newSecret('xp');
    await cloud.db.token.create({
      data: { name: 'ops', role: 'operator', tokenHash: hashSecret(secret), prefix: secretPrefix(secret) },
    });
    const operator = cloud.api.withToken(secret);
    const project = (await cloud.api.post('/v1/projects', { name: `t-${Date.now()}` })).body;
    const tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name: 't', role: 'admin' })).body.token,
    );
    // a tenant does not even see a host's operation
    expect((await tenant.post(`/v1/operations/${res.body.id}/cancel`, {})).status).toBe(404);

    const asked = await operator.post(`/v1/operations/${res.body.id}/cancel`, {});
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ kind: 'evacuate', status: 'running' });
    const op = await cloud.waitForOperation(res.body.id, 60_000);
    expect(op).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const moves = await movesEnded(op.id);
    const moved = moves.filter((m) => m.status === 'succeeded').map((m) => m.vmId);
    expect((await vmsOn(drained.id)).length).toBe(vms.length - moved.length);
    expect((await hostNamed('sim-2')).state).toBe('maintenance');
    await expectTruthRecorded(vms.map((v) => v.id));
  });

  it('an evacuation cancelled before it starts moves nothing; the host stays in maintenance', async () => {
    const drained = await hostNamed('sim-1');
    const vms = await createOn(drained, 'kept', 'xp.micro', 2);
    // no scheduler: the evacuation stays queued
    await cloud.schedulers.at(-1)!.kill();
    const res = await maintenance(drained.id);
    expect(res.body.status).toBe('queued');
    const cancelled = await cloud.api.post(`/v1/operations/${res.body.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', kind: 'evacuate' });
    expect(await cloud.hasQueuedJob(res.body.id)).toBe(true);
    await cloud.addScheduler();
    // the new scheduler took the cancelled evacuation's job and let it go: it had its chance
    await cloud.waitForJobDone(res.body.id);
    expect((await cloud.api.get(`/v1/operations/${res.body.id}`)).body.status).toBe('cancelled');
    expect(await movesOf(res.body.id)).toEqual([]);
    expect((await vmsOn(drained.id)).map((v) => v.id).sort()).toEqual(vms.map((v) => v.id).sort());
    expect((await hostNamed('sim-1')).state).toBe('maintenance');
    await expectTruthRecorded(vms.map((v) => v.id));
  });

  it('answers as the OpenAPI document says', async () => {
    const doc = (await cloud.api.get('/docs-json')).body;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: doc.components }, 'doc');
    const check = (path: string, res: { status: number; body: unknown }) => {
      const content = doc.paths[path].post.responses[String(res.status)]?.content;
      const schema = content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
      expect({ path, status: res.status, documented: schema !== undefined }).toEqual({
        path,
        status: res.status,
        documented: true,
      });
      const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"doc#/components')));
      expect({ path, status: res.status, errors: validate(res.body) ? null : validate.errors }).toEqual({
        path,
        status: res.status,
        errors: null,
      });
    };
    const host = await hostNamed('sim-1');
    check('/v1/hosts/{id}/maintenance', await maintenance(host.id, { evacuate: false }));
    check('/v1/hosts/{id}/enable', await enable(host.id));
    const evacuation = await maintenance(host.id);
    check('/v1/hosts/{id}/maintenance', evacuation);
    await cloud.waitForOperation(evacuation.body.id);
    check('/v1/hosts/{id}/maintenance', await maintenance('7d4c0a34-8f65-4f3e-9a43-3e4b1e0b7a11'));
    check('/v1/hosts/{id}/enable', await enable(host.id));
  });
});
