import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { type ApiClient, Cloud, waitFor } from '@xenplane/testing';

/**
 * The audit trail: every change asked of the API, refused or not, is a row of GET /v1/audit
 * saying who (token id and name), what (method, route, action, target), when, from where, and
 * how it ended; only global admins read it; no secret, user-data or token reaches it; the
 * database refuses to change or remove a row.
 */
describe('the audit trail', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let adminTokenId: string;
  const USER_DATA = '#cloud-config\npassword: audit-userdata-secret-7f3a';
  const METADATA_SECRET = 'audit-metadata-secret-91c2';

  // what the story below did, filled in as it goes
  const s = {} as {
    projectId: string;
    tenantTokenId: string;
    tenantSecret: string;
    operatorTokenId: string;
    operatorSecret: string;
    vmId: string;
    createOpId: string;
    deleteOpId: string;
    createCorrelationId: string;
    hostId: string;
    evacuationId: string;
  };

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
    admin = cloud.api;
    adminTokenId = (await cloud.db.token.findUniqueOrThrow({ where: { tokenHash: hashSecret(cloud.adminToken) } })).id;
  });
  afterAll(() => cloud?.stop());

  /** Every row the filter selects, following nextCursor, newest first. */
  async function trail(query = '', limit = 500): Promise<any[]> {
    const rows: any[] = [];
    let cursor: string | undefined;
    do {
      const res = await admin.get(`/v1/audit?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }

  const only = async (query: string) => {
    const rows = await trail(query);
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  it('records what an admin, a tenant, a stranger and an operator did, with who, what, outcome and address', async () => {
    // an admin makes a project and a member token in it
    const project = await admin.post('/v1/projects', { name: 'audited', quota: { instances: 5 } });
    expect(project.status).toBe(201);
    s.projectId = project.body.id;
    const token = await admin.post(`/v1/projects/${s.projectId}/tokens`, { name: 'tenant-ci', role: 'member' });
    expect(token.status).toBe(201);
    s.tenantTokenId = token.body.id;
    s.tenantSecret = token.body.token;
    const tenant = admin.withToken(s.tenantSecret);

    // the tenant creates a VM (claiming to come from elsewhere: no proxy is trusted) and deletes it
    const created = await tenant.post(
      '/v1/vms',
      { name: 'web', flavor: 'xp.micro', image: 'tiny-pv', userData: USER_DATA, metadata: { key: METADATA_SECRET } },
      { 'X-Forwarded-For': '203.0.113.9' },
    );
    expect(created.status).toBe(202);
    s.vmId = created.body.vms[0].id;
    s.createOpId = created.body.operations[0].id;
    s.createCorrelationId = created.headers.get('x-correlation-id')!;
    expect((await cloud.waitForOperation(s.createOpId)).status).toBe('succeeded');
    const deleted = await tenant.delete(`/v1/vms/${s.vmId}`);
    expect(deleted.status).toBe(202);
    s.deleteOpId = deleted.body.id;
    expect((await cloud.waitForOperation(s.deleteOpId)).status).toBe('succeeded');

    // refused: the tenant tries an admin's call, a stranger a tenant's, the tenant a VM that is not there
    expect((await tenant.post('/v1/flavors', { name: 'huge', vcpus: 64, memoryMb: 65536, diskGb: 10 })).status).toBe(
      403,
    );
    expect((await admin.withToken('xp_not-a-token-of-this-cloud').post('/v1/vms', { name: 'x' })).status).toBe(401);
    expect(await cloud.db.flavor.count({ where: { name: 'huge' } })).toBe(0);
    expect(await cloud.db.vm.count({ where: { name: 'x' } })).toBe(0);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await tenant.post(`/v1/vms/${missing}/actions`, { action: 'stop' })).status).toBe(404);

    // an operator drains the host
    s.operatorSecret = newSecret('xp');
    s.operatorTokenId = (
      await cloud.db.token.create({
        data: {
          name: 'night-ops',
          role: 'operator',
          tokenHash: hashSecret(s.operatorSecret),
          prefix: secretPrefix(s.operatorSecret),
        },
      })
    ).id;
    const operator = admin.withToken(s.operatorSecret);
    s.hostId = (await operator.get('/v1/hosts')).body.items[0].id;
    const drained = await operator.post(`/v1/hosts/${s.hostId}/maintenance`, {});
    expect(drained.status).toBe(202);
    s.evacuationId = drained.body.id;
    expect((await cloud.waitForOperation(s.evacuationId)).status).toBe('succeeded');
    expect((await operator.post(`/v1/hosts/${s.hostId}/enable`, {})).status).toBe(200);

    // each is in the trail, as it happened
    expect(await only(`&action=project.create&resourceId=${s.projectId}`)).toMatchObject({
      actorType: 'token',
      tokenId: adminTokenId,
      role: 'admin',
      method: 'POST',
      route: '/v1/projects',
      resourceType: 'project',
      resourceIds: [s.projectId],
      summary: { name: 'audited', quota: { instances: 5 } },
      status: 201,
      sourceAddress: '127.0.0.1',
    });
    expect(await only(`&action=token.create&projectId=${s.projectId}`)).toMatchObject({
      tokenId: adminTokenId,
      route: '/v1/projects/:id/tokens',
      resourceType: 'token',
      resourceIds: [s.tenantTokenId],
      projectId: s.projectId,
      summary: { name: 'tenant-ci', role: 'member' },
      status: 201,
    });
    const create = await only(`&action=vm.create&tokenId=${s.tenantTokenId}`);
    expect(create).toMatchObject({
      actorType: 'token',
      tokenName: 'tenant-ci',
      role: 'member',
      projectId: s.projectId,
      route: '/v1/vms',
      resourceType: 'vm',
      resourceIds: [s.vmId],
      operationIds: [s.createOpId],
      summary: { name: 'web', flavor: 'xp.micro', image: 'tiny-pv' },
      status: 202,
      correlationId: s.createCorrelationId,
      // the socket's peer, not the X-Forwarded-For it sent
      sourceAddress: '127.0.0.1',
    });
    expect(create.problemCode).toBeUndefined();
    expect(await only(`&action=vm.delete&resourceId=${s.vmId}`)).toMatchObject({
      tokenId: s.tenantTokenId,
      method: 'DELETE',
      route: '/v1/vms/:id',
      resourceIds: [s.vmId],
      operationIds: [s.deleteOpId],
      status: 202,
    });
    expect(await only(`&action=flavor.create&tokenId=${s.tenantTokenId}`)).toMatchObject({
      tokenName: 'tenant-ci',
      status: 403,
      problemCode: 'forbidden',
      summary: { name: 'huge', vcpus: 64 },
      resourceIds: [],
    });
    expect(await only(`&action=vm.stop&tokenId=${s.tenantTokenId}`)).toMatchObject({
      route: '/v1/vms/:id/actions',
      resourceIds: [missing],
      status: 404,
      problemCode: 'not_found',
    });
    const stranger = await only('&outcome=4xx&method=POST&action=vm.create');
    expect(stranger).toMatchObject({ actorType: 'anonymous', status: 401, problemCode: 'unauthorized' });
    expect(stranger.tokenId).toBeUndefined();
    expect(await only(`&action=host.maintenance&resourceId=${s.hostId}`)).toMatchObject({
      tokenId: s.operatorTokenId,
      tokenName: 'night-ops',
      role: 'operator',
      route: '/v1/hosts/:id/maintenance',
      resourceType: 'host',
      operationIds: [s.evacuationId],
      status: 202,
      sourceAddress: '127.0.0.1',
    });
    expect(await only(`&action=host.enable&tokenId=${s.operatorTokenId}`)).toMatchObject({ status: 200 });
  });

  it('records the hosts that enrolled, by their enrollment token, and the operator that made it', async () => {
    const enrolled = await only('&action=host.enroll');
    const tokenRow = await cloud.db.enrollmentToken.findFirstOrThrow({ where: { usedAt: { not: null } } });
    const host = await cloud.db.host.findUniqueOrThrow({ where: { id: tokenRow.hostId! } });
    expect(enrolled).toMatchObject({
      actorType: 'enrollment',
      enrollmentTokenId: tokenRow.id,
      resourceType: 'host',
      resourceIds: [tokenRow.hostId],
      summary: { name: host.name, address: host.address },
      status: 201,
    });
    expect(await only(`&action=enrollment_token.create&resourceId=${tokenRow.id}`)).toMatchObject({
      tokenId: adminTokenId,
      status: 201,
    });
  });

  it('names a revoked token that is used again, and who revoked it', async () => {
    const made = await admin.post(`/v1/projects/${s.projectId}/tokens`, { name: 'leaked', role: 'member' });
    expect(made.status).toBe(201);
    expect((await admin.delete(`/v1/tokens/${made.body.id}`)).status).toBe(204);
    const refused = await admin.withToken(made.body.token).post('/v1/vms', { name: 'again' });
    expect(refused.status).toBe(401);
    expect(await cloud.db.vm.count({ where: { name: 'again' } })).toBe(0);
    expect(await only(`&action=token.revoke&resourceId=${made.body.id}`)).toMatchObject({
      tokenId: adminTokenId,
      method: 'DELETE',
      route: '/v1/tokens/:id',
      status: 204,
    });
    expect(await only(`&tokenId=${made.body.id}`)).toMatchObject({
      actorType: 'token',
      tokenName: 'leaked',
      projectId: s.projectId,
      action: 'vm.create',
      status: 401,
      problemCode: 'unauthorized',
    });
  });

  it('shows on an operation the token that asked for it', async () => {
    const op = (await admin.get(`/v1/operations/${s.createOpId}`)).body;
    expect(op).toMatchObject({ requestedBy: s.tenantTokenId, requestedByName: 'tenant-ci' });
    const evacuation = (await admin.get(`/v1/operations/${s.evacuationId}`)).body;
    expect(evacuation).toMatchObject({ requestedBy: s.operatorTokenId, requestedByName: 'night-ops' });
    const listed = (await admin.withToken(s.tenantSecret).get(`/v1/operations?vmId=${s.vmId}`)).body.items;
    expect(listed.map((o: any) => [o.id, o.requestedBy, o.requestedByName])).toEqual([
      [s.deleteOpId, s.tenantTokenId, 'tenant-ci'],
      [s.createOpId, s.tenantTokenId, 'tenant-ci'],
    ]);
  });

  it('keeps secrets, user-data, metadata and tokens out of every row and out of the request log', async () => {
    const everything = JSON.stringify(await trail());
    for (const secret of [USER_DATA, 'audit-userdata-secret', METADATA_SECRET, s.tenantSecret, s.operatorSecret]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain(cloud.adminToken);
    // no bearer or enrollment secret of any kind (they start xp_ and xpe_)
    expect(everything).not.toMatch(/xpe?_[A-Za-z0-9_-]{20}/);
    const log = cloud.apiProcess!.output();
    expect(log).toContain(`"tokenId":"${s.tenantTokenId}","tokenName":"tenant-ci"`);
    for (const secret of [s.tenantSecret, s.operatorSecret, cloud.adminToken, 'audit-userdata-secret']) {
      expect(log).not.toContain(secret);
    }
  });

  it('is for global admins only: project tokens and operators are refused, and the refusal is not a change', async () => {
    const before = (await trail()).length;
    const projectAdmin = await admin.post(`/v1/projects/${s.projectId}/tokens`, { name: 'padmin', role: 'admin' });
    for (const secret of [s.tenantSecret, projectAdmin.body.token, s.operatorSecret]) {
      const res = await admin.withToken(secret).get('/v1/audit');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
      expect(res.body.items).toBeUndefined();
    }
    expect((await admin.withToken(undefined).get('/v1/audit')).status).toBe(401);
    // reads are not recorded: only the token the admin made just now was
    expect((await trail()).length).toBe(before + 1);
  });

  it('filters and pages: every row once, newest first, the same rows whatever the page size', async () => {
    const all = await trail();
    const paged = await trail('', 2);
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
    const times = all.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);

    const tenantRows = await trail(`&tokenId=${s.tenantTokenId}`, 2);
    expect(tenantRows.map((r) => r.action).sort()).toEqual(['flavor.create', 'vm.create', 'vm.delete', 'vm.stop']);
    expect((await trail('&outcome=4xx')).every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect((await trail('&outcome=4xx')).length).toBe(4);
    expect((await trail('&method=DELETE')).map((r) => r.action)).toEqual(['token.revoke', 'vm.delete']);
    expect((await trail(`&resourceId=${s.vmId}`)).map((r) => r.action)).toEqual(['vm.delete', 'vm.create']);
    expect((await trail('&resourceType=host&outcome=2xx')).map((r) => r.action)).toEqual(
      expect.arrayContaining(['host.maintenance', 'host.enable', 'host.enroll']),
    );

    // a time window: rows at or after `since`, before `until`
    const create = all.find((r) => r.action === 'vm.create' && r.tokenId === s.tenantTokenId);
    const del = all.find((r) => r.action === 'vm.delete');
    const window = await trail(
      `&tokenId=${s.tenantTokenId}&since=${encodeURIComponent(create.createdAt)}&until=${encodeURIComponent(del.createdAt)}`,
    );
    expect(window.map((r) => r.id)).toEqual([create.id]);

    // bad filters are 400s naming the field
    for (const [query, field] of [
      ['outcome=6xx', 'outcome'],
      ['tokenId=nope', 'tokenId'],
      ['since=yesterday', 'since'],
      ['method=GET', 'method'],
      ['cursor=garbage', 'cursor'],
      [`since=${encodeURIComponent(del.createdAt)}&until=${encodeURIComponent(create.createdAt)}`, 'until'],
    ]) {
      const res = await admin.get(`/v1/audit?${query}`);
      expect({ query, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ query, status: 400, field });
    }
  });

  it('answers as the OpenAPI document says, filters included', async () => {
    const doc = (await admin.withToken(undefined).get('/docs-json')).body;
    const op = doc.paths['/v1/audit'].get;
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'action',
      'cursor',
      'limit',
      'method',
      'outcome',
      'projectId',
      'resourceId',
      'resourceType',
      'since',
      'tokenId',
      'until',
    ]);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: doc.components }, 'doc');
    const schema = JSON.parse(
      JSON.stringify(op.responses['200'].content['application/json'].schema).replace(
        /"#\/components/g,
        '"doc#/components',
      ),
    );
    const validate = ajv.compile(schema);
    const res = await admin.get('/v1/audit?limit=3');
    expect(res.body.nextCursor).toEqual(expect.any(String));
    expect(validate(res.body) ? null : validate.errors).toBeNull();
    expect(validate((await admin.get('/v1/audit?limit=500')).body) ? null : validate.errors).toBeNull();
  });

  it('the database refuses to change or remove a row', async () => {
    const row = await cloud.db.auditEntry.findFirstOrThrow({ where: { tokenId: s.tenantTokenId } });
    await expect(cloud.db.auditEntry.update({ where: { id: row.id }, data: { status: 200 } })).rejects.toThrow(
      /append-only/,
    );
    await expect(cloud.db.auditEntry.deleteMany({ where: { tokenId: s.tenantTokenId } })).rejects.toThrow(
      /append-only/,
    );
    expect(await cloud.db.auditEntry.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  });

  it('a row that cannot be written is logged whole and counted, and the change it reports stands', async () => {
    // the database refuses audit rows of server groups only (a stand-in for a failing write)
    await cloud.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_group_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'server_group.create' THEN RAISE EXCEPTION 'audit storage unavailable'; END IF; RETURN NEW; END $$`);
    await cloud.db.$executeRawUnsafe(
      'CREATE TRIGGER refuse_group_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_group_audit()',
    );
    const tenant = admin.withToken(s.tenantSecret);
    const group = await tenant.post('/v1/server-groups', { name: 'unaudited', policy: 'anti-affinity' });
    expect(group.status).toBe(201);
    expect(await cloud.db.serverGroup.count({ where: { id: group.body.id } })).toBe(1);
    expect(await cloud.db.auditEntry.count({ where: { action: 'server_group.create' } })).toBe(0);
    const line = await waitFor('the failure logged', async () =>
      cloud
        .apiProcess!.output()
        .split('\n')
        .find((l) => l.includes('audit write failed') && l.includes('server_group.create')),
    );
    expect(JSON.parse(line)).toMatchObject({
      level: expect.anything(),
      audit: { action: 'server_group.create', tokenId: s.tenantTokenId, status: 201, summary: { name: 'unaudited' } },
    });
    expect(await cloud.metrics('api')).toMatch(/^xenplane_api_audit_write_failures_total 1$/m);
  });
});

describe('the audit trail behind a trusted proxy', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0, env: { XENPLANE_TRUSTED_PROXIES: 'loopback' } });
  });
  afterAll(() => cloud?.stop());

  it("records X-Forwarded-For's client when the peer is a trusted proxy, the peer itself otherwise", async () => {
    const forwarded = await cloud.api.post(
      '/v1/flavors',
      { name: 'fwd', vcpus: 1, memoryMb: 64, diskGb: 1 },
      {
        'X-Forwarded-For': '198.51.100.7',
      },
    );
    expect(forwarded.status).toBe(201);
    const direct = await cloud.api.post('/v1/flavors', { name: 'direct', vcpus: 1, memoryMb: 64, diskGb: 1 });
    expect(direct.status).toBe(201);
    const rows = (await cloud.api.get('/v1/audit?action=flavor.create')).body.items;
    expect(rows.map((r: any) => [r.summary.name, r.sourceAddress])).toEqual([
      ['direct', '127.0.0.1'],
      ['fwd', '198.51.100.7'],
    ]);
  });
});
