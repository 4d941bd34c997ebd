import { AUDITED_ROUTES, auditTargetOf, createdResources, recordsStatus, startedOperations } from './audit-rules';

const VM = '11111111-1111-4111-8111-111111111111';
const PROJECT = '22222222-2222-4222-8222-222222222222';
const OP = '33333333-3333-4333-8333-333333333333';
const req = (method: string, route: string | null, body: unknown = {}, params: Record<string, string> = {}) => ({
  method,
  route,
  params,
  body,
});

describe('what the audit trail records', () => {
  it('leaves out reads, pure reads and requests no route matched', () => {
    expect(auditTargetOf(req('GET', '/v1/vms'))).toBeNull();
    expect(auditTargetOf(req('HEAD', '/v1/vms/:id', {}, { id: VM }))).toBeNull();
    expect(auditTargetOf(req('OPTIONS', '/v1/vms'))).toBeNull();
    expect(auditTargetOf(req('POST', '/v1/placement/dry-run', { flavor: 'm1.small' }))).toBeNull();
    expect(auditTargetOf(req('POST', null, { a: 1 }))).toBeNull();
  });

  it('records every change, refused or not, with the target the route names', () => {
    expect(auditTargetOf(req('delete', '/v1/vms/:id', undefined, { id: VM }))).toEqual({
      action: 'vm.delete',
      resourceType: 'vm',
      resourceIds: [VM],
      projectId: null,
      actor: 'token',
      summary: {},
    });
    expect(auditTargetOf(req('POST', '/v1/hosts/:id/maintenance', { evacuate: false }, { id: VM }))).toMatchObject({
      action: 'host.maintenance',
      resourceType: 'host',
      resourceIds: [VM],
      summary: { evacuate: false },
    });
    expect(auditTargetOf(req('POST', '/v1/operations/:id/cancel', {}, { id: OP }))).toMatchObject({
      action: 'operation.cancel',
      resourceIds: [OP],
    });
  });

  it('does not take a malformed id for a target (a 400 from the id pipe is still recorded)', () => {
    expect(auditTargetOf(req('DELETE', '/v1/vms/:id', undefined, { id: 'not-a-uuid' }))).toMatchObject({
      action: 'vm.delete',
      resourceIds: [],
    });
  });

  it('records a keypair by its project, a created one by its id, a deleted one by the id or name the path gives', () => {
    expect(
      auditTargetOf(
        req('POST', '/v1/projects/:id/keypairs', { name: 'ci', publicKey: 'ssh-ed25519 AAAA x' }, { id: PROJECT }),
      ),
    ).toEqual({
      action: 'keypair.create',
      resourceType: 'keypair',
      resourceIds: [],
      projectId: PROJECT,
      actor: 'token',
      summary: { name: 'ci' },
    });
    expect(createdResources({ method: 'POST', route: '/v1/projects/:id/keypairs' }, 201, { id: VM })).toEqual([VM]);
    const del = (keypair: string) =>
      auditTargetOf(req('DELETE', '/v1/projects/:id/keypairs/:keypair', undefined, { id: PROJECT, keypair }));
    expect(del('ci')).toMatchObject({
      action: 'keypair.delete',
      resourceIds: [],
      projectId: PROJECT,
      summary: { keypair: 'ci' },
    });
    expect(del(VM)).toMatchObject({ resourceIds: [VM], summary: { keypair: VM } });
  });

  it("names a VM action after the body's action, when it looks like one", () => {
    const act = (body: unknown) => auditTargetOf(req('POST', '/v1/vms/:id/actions', body, { id: VM }))?.action;
    expect(act({ action: 'stop' })).toBe('vm.stop');
    expect(act({ action: 'migrate', targetHostId: OP, live: false })).toBe('vm.migrate');
    expect(act({ action: 'DROP TABLE vms; --' })).toBe('vm.action');
    expect(act({ action: 42 })).toBe('vm.action');
    expect(act('not an object')).toBe('vm.action');
  });

  it('knows the project a token is made in, and one a global token creates a VM in', () => {
    expect(
      auditTargetOf(req('POST', '/v1/projects/:id/tokens', { name: 'ci', role: 'member' }, { id: PROJECT })),
    ).toMatchObject({ action: 'token.create', resourceType: 'token', resourceIds: [], projectId: PROJECT });
    expect(auditTargetOf(req('POST', '/v1/vms', { name: 'a', projectId: PROJECT }))?.projectId).toBe(PROJECT);
    expect(auditTargetOf(req('POST', '/v1/vms', { name: 'a', projectId: 'nope' }))?.projectId).toBeNull();
  });

  it('keeps only the fields a route allows: never user-data, metadata, tokens or CSRs', () => {
    const create = auditTargetOf(
      req('POST', '/v1/vms', {
        name: 'web',
        flavor: 'm1.small',
        image: 'tiny-pv',
        count: 2,
        userData: '#cloud-config\npassword: hunter2',
        sshKeys: ['ci-key'],
        metadata: { secret: 's3cret' },
      }),
    );
    expect(create?.summary).toEqual({ name: 'web', flavor: 'm1.small', image: 'tiny-pv', count: 2 });
    const enroll = auditTargetOf(
      req('POST', '/v1/hosts/enroll', {
        token: 'xpe_secret',
        name: 'sim-1',
        address: '10.0.0.5:7443',
        csrPem: '-----BEGIN CERTIFICATE REQUEST-----',
      }),
    );
    expect(enroll).toMatchObject({ actor: 'enrollment', action: 'host.enroll', resourceType: 'host' });
    expect(enroll?.summary).toEqual({ name: 'sim-1', address: '10.0.0.5:7443' });
    const image = auditTargetOf(
      req('POST', '/v1/images', { name: 'i', guestType: 'pv', diskFormat: 'raw', cmdline: 'root=/dev/xvda1 pw=x' }),
    );
    expect(image?.summary).toEqual({ name: 'i', guestType: 'pv', diskFormat: 'raw' });
    // an upload's body is bytes: whatever a body would hold, the summary holds none of it
    const upload = auditTargetOf(req('PUT', '/v1/images/:id/file', Buffer.from('disk bytes'), { id: VM }));
    expect(upload).toMatchObject({ action: 'image.upload', resourceType: 'image', resourceIds: [VM], summary: {} });
  });

  it('records a network made in a pool as the network (its id from the answer), and a change or delete of it by id', () => {
    const made = auditTargetOf(
      req(
        'POST',
        '/v1/pools/:id/networks',
        { name: 'lan', bridge: 'xenbr0', cidr: '10.10.0.0/24', gateway: '10.10.0.1', dns: ['1.1.1.1'], default: true },
        { id: PROJECT },
      ),
    );
    expect(made).toMatchObject({ action: 'network.create', resourceType: 'network', resourceIds: [] });
    expect(made?.summary).toEqual({
      name: 'lan',
      bridge: 'xenbr0',
      cidr: '10.10.0.0/24',
      gateway: '10.10.0.1',
      default: true,
    });
    expect(auditTargetOf(req('PATCH', '/v1/networks/:id', { default: true }, { id: VM }))).toMatchObject({
      action: 'network.update',
      resourceIds: [VM],
      summary: { default: true },
    });
    expect(auditTargetOf(req('DELETE', '/v1/networks/:id', {}, { id: VM }))).toMatchObject({
      action: 'network.delete',
      resourceIds: [VM],
    });
  });

  it('audits a route nobody gave a rule by what its path says', () => {
    expect(auditTargetOf(req('POST', '/v1/tokens/:id/rotate', { secret: 'x' }, { id: VM }))).toEqual({
      action: 'token.post',
      resourceType: 'token',
      resourceIds: [VM],
      projectId: null,
      actor: 'token',
      summary: {},
    });
    expect(auditTargetOf(req('PUT', '/v1/server-groups', {}))?.resourceType).toBe('server_group');
  });

  it('has a rule for each change API.md lists', () => {
    expect([...AUDITED_ROUTES].sort()).toEqual(
      [
        'POST /v1/vms',
        'PATCH /v1/vms/:id',
        'POST /v1/vms/:id/actions',
        'DELETE /v1/vms/:id',
        'POST /v1/vms/:id/snapshots',
        'DELETE /v1/vms/:id/snapshots/:snapshotId',
        'POST /v1/vms/:id/snapshots/:snapshotId/revert',
        'POST /v1/projects',
        'PATCH /v1/projects/:id',
        'POST /v1/projects/:id/tokens',
        'POST /v1/tokens',
        'DELETE /v1/tokens/:id',
        'POST /v1/projects/:id/keypairs',
        'DELETE /v1/projects/:id/keypairs/:keypair',
        'POST /v1/projects/:id/webhooks',
        'POST /v1/queues/:name/jobs/:job/retry',
        'PATCH /v1/projects/:id/webhooks/:webhookId',
        'DELETE /v1/projects/:id/webhooks/:webhookId',
        'POST /v1/flavors',
        'POST /v1/images',
        'PUT /v1/images/:id/file',
        'DELETE /v1/images/:id',
        'POST /v1/pools',
        'PATCH /v1/pools/:id',
        'POST /v1/pools/:id/networks',
        'POST /v1/pools/:id/storage-pools',
        'PATCH /v1/networks/:id',
        'DELETE /v1/networks/:id',
        'POST /v1/hosts/enrollment-tokens',
        'POST /v1/hosts/enroll',
        'POST /v1/hosts/:id/maintenance',
        'POST /v1/hosts/:id/declare-dead',
        'POST /v1/hosts/:id/enable',
        'POST /v1/hosts/:id/certificate/renew',
        'POST /v1/operations/:id/cancel',
        'POST /v1/server-groups',
      ].sort(),
    );
  });
});

describe('what an answer adds to its audit row', () => {
  const vm2 = '44444444-4444-4444-8444-444444444444';

  it('a clone names its new VM, a snapshot its snapshot; both are recorded as actions on the source', () => {
    const clone = { vm: { id: vm2 }, operation: { id: OP } };
    expect(createdResources({ method: 'POST', route: '/v1/vms/:id/actions' }, 202, clone)).toEqual([vm2]);
    expect(createdResources({ method: 'POST', route: '/v1/vms/:id/actions' }, 202, { id: OP, kind: 'stop' })).toEqual(
      [],
    );
    const snap = { snapshot: { id: vm2 }, operation: { id: OP } };
    expect(createdResources({ method: 'POST', route: '/v1/vms/:id/snapshots' }, 202, snap)).toEqual([vm2]);
    expect(
      auditTargetOf(req('POST', '/v1/vms/:id/actions', { action: 'clone', name: 'copy' }, { id: VM })),
    ).toMatchObject({
      action: 'vm.clone',
      resourceIds: [VM],
      summary: { action: 'clone', name: 'copy' },
    });
    expect(
      auditTargetOf(req('POST', '/v1/vms/:id/snapshots/:snapshotId/revert', {}, { id: VM, snapshotId: vm2 })),
    ).toMatchObject({ action: 'vm.snapshot_revert', resourceIds: [VM], summary: { snapshotId: vm2 } });
  });

  it('the ids a successful create names, never anything else of it', () => {
    const vms = { vms: [{ id: VM }, { id: vm2 }], operations: [{ id: OP }] };
    expect(createdResources({ method: 'POST', route: '/v1/vms' }, 202, vms)).toEqual([VM, vm2]);
    const token = { id: VM, token: 'xp_secret', name: 'ci' };
    expect(createdResources({ method: 'POST', route: '/v1/projects/:id/tokens' }, 201, token)).toEqual([VM]);
    expect(createdResources({ method: 'POST', route: '/v1/hosts/enroll' }, 201, { hostId: VM })).toEqual([VM]);
  });

  it('nothing for a refusal, a route that creates nothing, or an answer that is not an object', () => {
    expect(createdResources({ method: 'POST', route: '/v1/projects' }, 409, { id: VM })).toEqual([]);
    expect(createdResources({ method: 'DELETE', route: '/v1/vms/:id' }, 202, { id: OP, kind: 'delete' })).toEqual([]);
    expect(createdResources({ method: 'POST', route: '/v1/projects' }, 201, 'text')).toEqual([]);
    expect(createdResources({ method: 'POST', route: '/v1/projects' }, 201, { id: 'x' })).toEqual([]);
  });

  it('the operations an accepted answer started', () => {
    expect(startedOperations(202, { id: OP, kind: 'delete', status: 'queued' })).toEqual([OP]);
    expect(startedOperations(202, { vms: [{ id: VM }], operations: [{ id: OP }, { id: vm2 }] })).toEqual([OP, vm2]);
    expect(startedOperations(202, { host: { id: VM }, restarts: [{ id: OP }], stoppedVmIds: [] })).toEqual([OP]);
    expect(startedOperations(202, { snapshot: { id: vm2 }, operation: { id: OP } })).toEqual([OP]);
    expect(startedOperations(202, { vm: { id: vm2 }, operation: { id: OP } })).toEqual([OP]);
    expect(startedOperations(200, { id: VM, state: 'maintenance' })).toEqual([]);
    expect(startedOperations(202, null)).toEqual([]);
  });

  it('rate-limited refusals are not recorded, every other status is', () => {
    expect(recordsStatus(429)).toBe(false);
    for (const s of [200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 422, 500, 503])
      expect(recordsStatus(s)).toBe(true);
  });
});
