import { type ApiResponse, Cloud } from '@xenplane/testing';
import { expectRefused as refused } from './helpers';

describe('bad input', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0 });
  });
  afterAll(() => cloud?.stop());

  const valid = { name: 'ok', flavor: 'm1.small', image: 'tiny-pv' };

  const expectRefused = (send: () => Promise<ApiResponse>, status: number, code: string) =>
    refused(cloud, send, status, code);

  it('refuses malformed JSON', async () => {
    await expectRefused(() => cloud.api.post('/v1/vms', '{"name": "x", '), 400, 'validation_failed');
  });

  it('refuses an unknown flavor and names the field', async () => {
    const body = await expectRefused(
      () => cloud.api.post('/v1/vms', { ...valid, flavor: 'm9.galactic' }),
      400,
      'validation_failed',
    );
    expect(body.errors).toEqual([{ field: 'flavor', message: expect.stringContaining('m9.galactic') }]);
  });

  it('refuses an unknown image', async () => {
    await expectRefused(() => cloud.api.post('/v1/vms', { ...valid, image: 'nope' }), 400, 'validation_failed');
  });

  it.each([
    ['negative count', { count: -1 }, 'count'],
    ['huge count', { count: 1_000_000 }, 'count'],
    ['fractional count', { count: 1.5 }, 'count'],
    ['count as a string', { count: '3' }, 'count'],
    ['negative ttl', { ttlSeconds: -5 }, 'ttlSeconds'],
    ['huge ttl', { ttlSeconds: 1e12 }, 'ttlSeconds'],
    ['a name with a space', { name: 'a b' }, 'name'],
    ['a name with a quote', { name: 'x"; rm -rf /' }, 'name'],
    ['an unknown field', { hostname: 'h1' }, 'hostname'],
    ['metadata that is not a string map', { metadata: { a: { b: 1 } } }, 'metadata'],
    ['a bad pool id', { poolId: 'not-a-uuid' }, 'poolId'],
  ])('refuses %s', async (_what, patch, field) => {
    const body = await expectRefused(() => cloud.api.post('/v1/vms', { ...valid, ...patch }), 400, 'validation_failed');
    expect(body.errors.map((e: any) => e.field)).toContain(field);
  });

  it('refuses a huge body', async () => {
    await expectRefused(
      () => cloud.api.post('/v1/vms', { ...valid, userData: 'x'.repeat(400_000) }),
      413,
      'payload_too_large',
    );
  });

  it('refuses a missing, malformed or unknown token', async () => {
    await expectRefused(() => cloud.api.withToken(undefined).post('/v1/vms', valid), 401, 'unauthorized');
    await expectRefused(() => cloud.api.withToken('not a token').post('/v1/vms', valid), 401, 'unauthorized');
    await expectRefused(
      () => cloud.api.withToken('xp_0000000000000000000000000000000000000').post('/v1/vms', valid),
      401,
      'unauthorized',
    );
  });

  it('answers an unknown VM and an unknown route with 404 problem+json', async () => {
    await expectRefused(() => cloud.api.get('/v1/vms/8a0e7f0e-4b8e-4a51-9f4c-6d1d0f7b2f11'), 404, 'not_found');
    await expectRefused(() => cloud.api.get('/v1/nothing-here'), 404, 'not_found');
  });

  it('refuses liveness settings that cannot work, whole, and changes nothing', async () => {
    const pool = (await cloud.api.post('/v1/pools', { name: 'watched' })).body;
    const before = (await cloud.api.get('/v1/pools')).body.items.find((p: any) => p.id === pool.id);
    // one missed heartbeat is not silence; the dead timeout must leave the fence room
    const tooEager = await expectRefused(
      () => cloud.api.patch(`/v1/pools/${pool.id}`, { suspectAfterMs: 3_000 }),
      400,
      'validation_failed',
    );
    expect(tooEager.errors).toEqual([
      { field: 'suspectAfterMs', message: expect.stringContaining('twice heartbeatIntervalMs') },
    ]);
    await expectRefused(
      () => cloud.api.patch(`/v1/pools/${pool.id}`, { deadAfterMs: 6_500 }),
      400,
      'validation_failed',
    );
    await expectRefused(
      () => cloud.api.patch(`/v1/pools/${pool.id}`, { heartbeatIntervalMs: 50 }),
      400,
      'validation_failed',
    );
    await expectRefused(
      () => cloud.api.post('/v1/pools', { name: 'never', deadAfterMs: 5_000 }),
      400,
      'validation_failed',
    );
    expect((await cloud.api.get('/v1/pools')).body.items.find((p: any) => p.id === pool.id)).toEqual(before);
    expect(before.liveness).toEqual({
      heartbeatIntervalMs: 2_000,
      suspectAfterMs: 6_000,
      deadAfterMs: 12_000,
      fenceAfterMs: 8_782,
    });
  });

  it("refuses a declaration of death that is malformed, unknown, or not an operator's", async () => {
    const nobody = '8a0e7f0e-4b8e-4a51-9f4c-6d1d0f7b2f11';
    await expectRefused(() => cloud.api.post(`/v1/hosts/${nobody}/declare-dead`, {}), 400, 'validation_failed');
    await expectRefused(() => cloud.api.post(`/v1/hosts/${nobody}/declare-dead`, { confirm: 'x' }), 404, 'not_found');
    await expectRefused(
      () => cloud.api.post('/v1/hosts/not-a-uuid/declare-dead', { confirm: 'x' }),
      400,
      'validation_failed',
    );
    await expectRefused(() => cloud.api.get(`/v1/pools/${nobody}/ha`), 404, 'not_found');
    const project = await cloud.api.post('/v1/projects', { name: 'tenant-ha' });
    const tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 't', role: 'admin' })).body.token,
    );
    await expectRefused(() => tenant.post(`/v1/hosts/${nobody}/declare-dead`, { confirm: 'x' }), 403, 'forbidden');
    const poolId = await cloud.defaultPoolId();
    await expectRefused(() => tenant.get(`/v1/pools/${poolId}/ha`), 403, 'forbidden');
  });

  it('refuses a batch over quota as a whole', async () => {
    const project = await cloud.api.post('/v1/projects', { name: 'tight', quota: { instances: 2 } });
    const token = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role: 'member' });
    const tenant = cloud.api.withToken(token.body.token);
    const body = await expectRefused(() => tenant.post('/v1/vms', { ...valid, count: 3 }), 422, 'quota_exceeded');
    expect(body.excess).toEqual([expect.objectContaining({ resource: 'instances', limit: 2, requested: 3 })]);
  });

  it('keeps tenants apart: another project answers 404, not 403', async () => {
    const a = await cloud.api.post('/v1/projects', { name: 'alpha' });
    const b = await cloud.api.post('/v1/projects', { name: 'beta' });
    const ta = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${a.body.id}/tokens`, { name: 't', role: 'member' })).body.token,
    );
    const tb = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${b.body.id}/tokens`, { name: 't', role: 'member' })).body.token,
    );
    const created = await ta.post('/v1/vms', valid);
    expect(created.status).toBe(202);
    const vmId = created.body.vms[0].id;
    expect((await tb.get(`/v1/vms/${vmId}`)).status).toBe(404);
    expect((await tb.delete(`/v1/vms/${vmId}`)).status).toBe(404);
    expect((await tb.get(`/v1/operations/${created.body.operations[0].id}`)).status).toBe(404);
    expect((await tb.get('/v1/vms')).body.items).toEqual([]);
    expect((await ta.get('/v1/vms')).body.items.map((v: any) => v.id)).toEqual([vmId]);
    // a tenant is not an operator
    expect((await ta.get('/v1/hosts')).status).toBe(403);
  });
});
