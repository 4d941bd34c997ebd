import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Cloud } from '@xenplane/testing';

/**
 * The OpenAPI document must describe exactly what the server does: every route is in it with
 * the security it enforces, and real answers validate against the schemas it declares.
 */
describe('the OpenAPI document', () => {
  let cloud: Cloud;
  let doc: any;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
    doc = (await cloud.api.withToken(undefined).get('/docs-json')).body;
  });
  afterAll(() => cloud?.stop());

  const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'POST /v1/hosts/enroll']);

  it('is served without a token and names every route of API.md', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const r of [
      'GET /v1/whoami',
      'POST /v1/projects',
      'GET /v1/projects',
      'GET /v1/projects/{id}',
      'PATCH /v1/projects/{id}',
      'POST /v1/projects/{id}/tokens',
      'GET /v1/projects/{id}/tokens',
      'GET /v1/tokens',
      'DELETE /v1/tokens/{id}',
      'GET /v1/flavors',
      'POST /v1/flavors',
      'GET /v1/images',
      'POST /v1/images',
      'GET /v1/images/{id}',
      'PUT /v1/images/{id}/file',
      'DELETE /v1/images/{id}',
      'POST /v1/pools',
      'GET /v1/pools',
      'PATCH /v1/pools/{id}',
      'POST /v1/hosts/enrollment-tokens',
      'GET /v1/hosts',
      'GET /v1/hosts/{id}',
      'POST /v1/server-groups',
      'GET /v1/server-groups',
      'POST /v1/vms',
      'GET /v1/vms',
      'GET /v1/vms/{id}',
      'POST /v1/vms/{id}/actions',
      'DELETE /v1/vms/{id}',
      'GET /v1/operations',
      'GET /v1/operations/{id}',
      'POST /v1/operations/{id}/cancel',
      'GET /v1/events',
      'POST /v1/placement/dry-run',
    ]) {
      expect(routes).toContain(r);
    }
    // an image's content is bytes, streamed: the one request body that is not JSON
    expect(doc.paths['/v1/images/{id}/file'].put.requestBody.content).toEqual({
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
    });
  });

  it('declares a bearer token on every route but the public ones, and the server enforces it', async () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (PUBLIC.has(route)) {
          expect(op.security ?? []).toEqual([]);
          continue;
        }
        expect({ route, security: op.security }).toEqual({ route, security: [{ bearer: [] }] });
        const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await cloud.api
          .withToken(undefined)
          .request(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? undefined : {});
        expect({ route, status: res.status }).toEqual({ route, status: 401 });
      }
    }
  });

  it('describes real answers: they validate against the declared schemas', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: doc.components }, 'doc');
    const schemaOf = (path: string, method: string, status: number) => {
      const content = doc.paths[path][method].responses[String(status)]?.content;
      const schema = content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
      if (!schema) throw new Error(`${method} ${path} ${status}: not documented`);
      return JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"doc#/components'));
    };
    const check = (path: string, method: string, res: { status: number; body: unknown }) => {
      const validate = ajv.compile(schemaOf(path, method, res.status));
      expect({ path, method, status: res.status, errors: validate(res.body) ? null : validate.errors }).toEqual({
        path,
        method,
        status: res.status,
        errors: null,
      });
    };

    const created = await cloud.api.post('/v1/vms', {
      name: 'doc',
      flavor: 'xp.micro',
      image: 'tiny-pv',
      metadata: { a: 'b' },
      ttlSeconds: 600,
    });
    check('/v1/vms', 'post', created);
    await cloud.waitForOperation(created.body.operations[0].id);
    const vmId = created.body.vms[0].id;
    check('/v1/vms/{id}', 'get', await cloud.api.get(`/v1/vms/${vmId}`));
    check('/v1/vms', 'get', await cloud.api.get('/v1/vms?limit=1'));
    check('/v1/operations/{id}', 'get', await cloud.api.get(`/v1/operations/${created.body.operations[0].id}`));
    check('/v1/operations', 'get', await cloud.api.get(`/v1/operations?vmId=${vmId}`));
    check('/v1/hosts', 'get', await cloud.api.get('/v1/hosts'));
    check('/v1/flavors', 'get', await cloud.api.get('/v1/flavors'));
    check('/v1/images', 'get', await cloud.api.get('/v1/images'));
    check('/v1/pools', 'get', await cloud.api.get('/v1/pools'));
    check('/v1/whoami', 'get', await cloud.api.get('/v1/whoami'));
    check('/v1/projects', 'get', await cloud.api.get('/v1/projects'));
    const projectId = (await cloud.api.get('/v1/projects')).body.items[0].id;
    const expiring = { name: 'doc', role: 'viewer', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    check('/v1/projects/{id}/tokens', 'post', await cloud.api.post(`/v1/projects/${projectId}/tokens`, expiring));
    check('/v1/projects/{id}/tokens', 'get', await cloud.api.get(`/v1/projects/${projectId}/tokens`));
    check('/v1/tokens', 'get', await cloud.api.get('/v1/tokens'));
    check('/v1/vms/{id}/actions', 'post', await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'stop' }));
    check('/v1/vms/{id}/actions', 'post', await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'stop' }));
    check('/v1/vms', 'post', await cloud.api.post('/v1/vms', { name: 'bad name' }));
    // what the edge refuses, before any route: documented on every operation it can happen to
    check('/v1/vms', 'post', await cloud.api.post('/v1/vms', 'name=x', { 'content-type': 'text/plain' }));
    check('/v1/vms', 'get', await cloud.api.get(`/v1/vms?pad=${'p'.repeat(17_000)}`));
    check('/v1/vms/{id}', 'get', await cloud.api.get('/v1/vms/00000000-0000-4000-8000-000000000000'));
    check(
      '/v1/server-groups',
      'post',
      await cloud.api.post('/v1/server-groups', { name: 'g1', policy: 'anti-affinity' }),
    );
    check('/v1/server-groups', 'get', await cloud.api.get('/v1/server-groups'));
    check(
      '/v1/placement/dry-run',
      'post',
      await cloud.api.post('/v1/placement/dry-run', { flavor: 'm1.small', image: 'tiny-pv', count: 2 }),
    );
    check(
      '/v1/placement/dry-run',
      'post',
      await cloud.api.post('/v1/placement/dry-run', { vcpus: 1, memoryMb: 99999999, diskGb: 1, guestType: 'pv' }),
    );
  });
});
