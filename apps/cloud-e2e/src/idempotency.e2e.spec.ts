import { Cloud } from '@xenplane/testing';

describe('Idempotency-Key', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
  });
  afterAll(() => cloud?.stop());

  it('creates one VM from the same POST sent 50 times at once with one key', async () => {
    const body = { name: 'retry-me', flavor: 'xp.micro', image: 'tiny-pv' };
    const key = `ci-job-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => cloud.api.post('/v1/vms', body, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(202));
    const vmIds = new Set(answers.map((a) => a.body.vms[0].id));
    expect(vmIds.size).toBe(1);
    expect(await cloud.db.vm.count({ where: { name: 'retry-me' } })).toBe(1);
    expect(await cloud.db.operation.count({ where: { vmId: [...vmIds][0] } })).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
    const project = await cloud.db.project.findUniqueOrThrow({ where: { name: 'admin' } });
    expect(project.usedInstances).toBe(1);
  });

  it('answers the same key with another body 409, and writes nothing', async () => {
    const key = `k-${Date.now()}`;
    const first = await cloud.api.post(
      '/v1/vms',
      { name: 'one', flavor: 'xp.micro', image: 'tiny-pv' },
      { 'idempotency-key': key },
    );
    expect(first.status).toBe(202);
    const before = await cloud.db.vm.count();
    const other = await cloud.api.post(
      '/v1/vms',
      { name: 'two', flavor: 'xp.micro', image: 'tiny-pv' },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('conflict');
    expect(await cloud.db.vm.count()).toBe(before);
  });

  it('replays a refusal as a refusal', async () => {
    const key = `bad-${Date.now()}`;
    const a = await cloud.api.post(
      '/v1/vms',
      { name: 'x', flavor: 'nope', image: 'tiny-pv' },
      { 'idempotency-key': key },
    );
    const b = await cloud.api.post(
      '/v1/vms',
      { name: 'x', flavor: 'nope', image: 'tiny-pv' },
      { 'idempotency-key': key },
    );
    expect([a.status, b.status]).toEqual([400, 400]);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('content-type')).toContain('application/problem+json');
  });

  it('keeps keys per caller: two tokens may use the same key', async () => {
    const p = await cloud.api.post('/v1/projects', { name: 'idem' });
    const t = (await cloud.api.post(`/v1/projects/${p.body.id}/tokens`, { name: 't', role: 'member' })).body.token;
    const key = `shared-${Date.now()}`;
    const body = { name: 'mine', flavor: 'xp.micro', image: 'tiny-pv' };
    const a = await cloud.api.post('/v1/vms', body, { 'idempotency-key': key });
    const b = await cloud.api.withToken(t).post('/v1/vms', body, { 'idempotency-key': key });
    expect(a.body.vms[0].id).not.toBe(b.body.vms[0].id);
    expect(b.body.vms[0].projectId).toBe(p.body.id);
  });
});
