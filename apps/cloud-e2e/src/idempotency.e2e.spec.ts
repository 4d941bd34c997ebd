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

  it('keeps no record of a refusal: a retry with the key runs again, and succeeds once the cause is gone', async () => {
    const p = (await cloud.api.post('/v1/projects', { name: 'tight', quota: { instances: 0 } })).body;
    const secret = (await cloud.api.post(`/v1/projects/${p.id}/tokens`, { name: 'ci', role: 'member' })).body.token;
    const ci = cloud.api.withToken(secret);
    const token = await cloud.db.token.findFirstOrThrow({ where: { projectId: p.id } });
    const key = `quota-${Date.now()}`;
    const body = { name: 'later', flavor: 'xp.micro', image: 'tiny-pv' };

    const refused = await ci.post('/v1/vms', body, { 'idempotency-key': key });
    expect(refused).toMatchObject({ status: 422, body: { code: 'quota_exceeded' } });
    const invalid = await ci.post('/v1/vms', { ...body, flavor: 'nope' }, { 'idempotency-key': `${key}-bad` });
    expect(invalid.status).toBe(400);
    expect(await cloud.db.idempotencyRecord.count({ where: { scope: token.id } })).toBe(0);
    expect(await cloud.db.vm.count({ where: { projectId: p.id } })).toBe(0);

    await cloud.api.patch(`/v1/projects/${p.id}`, { quota: { instances: 5 } });
    const accepted = await ci.post('/v1/vms', body, { 'idempotency-key': key });
    expect(accepted.status).toBe(202);
    const again = await ci.post('/v1/vms', body, { 'idempotency-key': key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.vms[0].id).toBe(accepted.body.vms[0].id);
    expect(await cloud.db.vm.count({ where: { projectId: p.id } })).toBe(1);
  });

  it('makes a DELETE idempotent: 10 retries at once with one key start one delete and get its answer', async () => {
    const created = await cloud.api.post('/v1/vms', { name: 'gone', flavor: 'xp.micro', image: 'tiny-pv' });
    await cloud.waitForOperation(created.body.operations[0].id);
    const vmId = created.body.vms[0].id;
    const key = `delete-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => cloud.api.delete(`/v1/vms/${vmId}`, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await cloud.db.operation.count({ where: { vmId, kind: 'delete' } })).toBe(1);
    expect(await cloud.waitForOperation(answers[0]!.body.id)).toMatchObject({ status: 'succeeded' });
  });

  it('never stores a new token’s secret: a replay shows the token without it', async () => {
    const p = (await cloud.api.post('/v1/projects', { name: 'secretive' })).body;
    const key = `token-${Date.now()}`;
    const body = { name: 'ci', role: 'member' };
    const first = await cloud.api.post(`/v1/projects/${p.id}/tokens`, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.body.token).toMatch(/^xp_/);
    const replay = await cloud.api.post(`/v1/projects/${p.id}/tokens`, body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ ...first.body, token: undefined, secretWithheld: ['token'] });
    const stored = await cloud.db.idempotencyRecord.findMany();
    expect(JSON.stringify(stored)).not.toContain(first.body.token);
    expect(await cloud.db.token.count({ where: { projectId: p.id } })).toBe(1);
    // the secret shown once works
    expect((await cloud.api.withToken(first.body.token).get('/v1/whoami')).status).toBe(200);
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
