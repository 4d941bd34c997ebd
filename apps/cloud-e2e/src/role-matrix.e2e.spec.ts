import { type Caller, hashSecret, newSecret, routeAccess, routeAllows, secretPrefix } from '@xenplane/domain';
import { type ApiClient, Cloud } from '@xenplane/testing';
import { rowCounts } from './helpers';

const NOBODY = '00000000-0000-4000-8000-000000000000';

/**
 * The role matrix (libs/domain route-access) against the running API: every route it serves,
 * as its OpenAPI document lists them, called by every role, and a tenant's resources called
 * from another project. A route the matrix does not name fails here, as it fails the API's start.
 */
describe('who may call what', () => {
  let cloud: Cloud;
  let doc: any;
  const callers: { name: string; caller: Caller | null; api: ApiClient }[] = [];
  let projectA: string;
  let adminOfB: ApiClient;
  let memberOfA: ApiClient;

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2 });
    doc = (await cloud.api.withToken(undefined).get('/docs-json')).body;
    const projectToken = async (projectId: string, role: string) =>
      cloud.api.withToken((await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: role, role })).body.token);
    projectA = (await cloud.api.post('/v1/projects', { name: 'alpha' })).body.id;
    const projectB = (await cloud.api.post('/v1/projects', { name: 'beta' })).body.id;
    const operatorSecret = newSecret('xp');
    await cloud.db.token.create({
      data: {
        name: 'ops',
        role: 'operator',
        tokenHash: hashSecret(operatorSecret),
        prefix: secretPrefix(operatorSecret),
      },
    });
    memberOfA = await projectToken(projectA, 'member');
    adminOfB = await projectToken(projectB, 'admin');
    callers.push(
      { name: 'nobody', caller: null, api: cloud.api.withToken(undefined) },
      { name: 'viewer', caller: { role: 'viewer', projectId: projectA }, api: await projectToken(projectA, 'viewer') },
      { name: 'member', caller: { role: 'member', projectId: projectA }, api: memberOfA },
      {
        name: 'project admin',
        caller: { role: 'admin', projectId: projectA },
        api: await projectToken(projectA, 'admin'),
      },
      { name: 'operator', caller: { role: 'operator', projectId: null }, api: cloud.api.withToken(operatorSecret) },
      { name: 'admin', caller: { role: 'admin', projectId: null }, api: cloud.api },
    );
  });
  afterAll(() => cloud?.stop());

  const routes = () =>
    Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
      })),
    );

  it('names every route the API serves, and the document shows each one’s access', () => {
    for (const { method, path, key } of routes()) {
      const access = routeAccess(key);
      expect({ key, declared: !!access }).toEqual({ key, declared: true });
      expect(doc.paths[path][method.toLowerCase()]['x-xenplane-access']).toEqual(access!.levels);
    }
  });

  it('answers every route × role as the matrix says: 401 without a token, 403 for a role it refuses', async () => {
    const mismatches: string[] = [];
    // ids nobody holds: an allowed caller gets past the guard (then 400, 404 or an answer), the
    // others are stopped there, and nothing anyone owns is touched
    for (const { method, path, key } of routes()) {
      if (key === 'GET /v1/events') continue; // a stream that stays open; its guard is checked below
      const concrete = path.replace(/\{[^}]+\}/g, NOBODY);
      for (const { name, caller, api } of callers) {
        const allowed = routeAllows(routeAccess(key)!, caller);
        const res = await api.request(method, concrete, method === 'GET' || method === 'DELETE' ? undefined : {});
        const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === (caller ? 403 : 401);
        if (!ok) mismatches.push(`${key} as ${name}: ${res.status} (${allowed ? 'allowed' : 'refused'} by the matrix)`);
        if (res.status >= 500) mismatches.push(`${key} as ${name}: ${res.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('lets every role open the event stream, and nobody without a token', async () => {
    for (const { name, caller, api } of callers) {
      const ctrl = new AbortController();
      const res = await fetch(`${api.baseUrl}/v1/events`, {
        headers: api.token ? { authorization: `Bearer ${api.token}` } : {},
        signal: ctrl.signal,
      });
      ctrl.abort();
      expect({ name, status: res.status }).toEqual({ name, status: caller ? 200 : 401 });
    }
  });

  it('answers 404 for another project’s VM, operation, project and token, and changes nothing', async () => {
    const created = await memberOfA.post('/v1/vms', { name: 'mine', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(created.status).toBe(202);
    const vmId = created.body.vms[0].id;
    const opId = created.body.operations[0].id;
    await cloud.waitForOperation(opId);
    const token = (await cloud.api.post(`/v1/projects/${projectA}/tokens`, { name: 'spare', role: 'viewer' })).body;
    const before = await rowCounts(cloud);
    const attempts: [string, string, unknown?][] = [
      ['GET', `/v1/vms/${vmId}`],
      ['PATCH', `/v1/vms/${vmId}`, { ttlSeconds: 600 }],
      ['POST', `/v1/vms/${vmId}/actions`, { action: 'stop' }],
      ['DELETE', `/v1/vms/${vmId}`],
      ['GET', `/v1/operations/${opId}`],
      ['POST', `/v1/operations/${opId}/cancel`],
      ['GET', `/v1/projects/${projectA}`],
      ['POST', `/v1/projects/${projectA}/tokens`, { name: 'stolen', role: 'admin' }],
      ['DELETE', `/v1/tokens/${token.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await adminOfB.request(method, path, body);
      expect({ method, path, status: res.status, code: res.body?.code }).toEqual({
        method,
        path,
        status: 404,
        code: 'not_found',
      });
    }
    expect((await adminOfB.get('/v1/vms')).body.items).toEqual([]);
    expect(await rowCounts(cloud)).toEqual(before);
    const after = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    expect(after.state).toBe('running');
    expect(after.expiresAt).toBeUndefined();
    expect(await cloud.db.token.findUnique({ where: { id: token.id } })).toMatchObject({ revokedAt: null });
  });

  it('lets an operator migrate a tenant’s VM to a host it names, and nothing else of it', async () => {
    const operator = callers.find((c) => c.name === 'operator')!.api;
    const created = await memberOfA.post('/v1/vms', { name: 'moved', flavor: 'xp.micro', image: 'tiny-pv' });
    await cloud.waitForOperation(created.body.operations[0].id);
    const vmId = created.body.vms[0].id;
    const stop = await operator.post(`/v1/vms/${vmId}/actions`, { action: 'stop' });
    expect(stop).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const vm = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    const target = (await operator.get('/v1/hosts')).body.items.find((h: any) => h.id !== vm.hostId);
    const migrate = await operator.post(`/v1/vms/${vmId}/actions`, { action: 'migrate', targetHostId: target.id });
    expect(migrate.status).toBe(202);
    expect(await cloud.waitForOperation(migrate.body.id)).toMatchObject({ status: 'succeeded' });
    expect((await cloud.api.get(`/v1/vms/${vmId}`)).body).toMatchObject({ state: 'running', hostId: target.id });
  });
});
