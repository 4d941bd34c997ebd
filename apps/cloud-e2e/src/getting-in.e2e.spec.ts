import { FaultKind } from '@xenplane/proto';
import { type ApiClient, Cloud, waitFor } from '@xenplane/testing';
import { rowCounts } from './helpers';

// made by ssh-keygen, with the fingerprints `ssh-keygen -l` printed for them
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ alice@laptop';
const ED25519_FP = 'SHA256:gwDPopIDqDiftZA3nnqquH0LoXrpw5RK+c/nUzpJc0Y';
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJBChS/Q2fv8RxpduKxdT8e7bW/a7RbYtbNKwGvIyQZCbf6BKQCK4hdnmCngDc1snWVYjRVf6FKgAa7+KeiuwnE=';
const ECDSA_FP = 'SHA256:YNe0hatRIYLJPphBzgJRqhluVjDWfRkmiFmOy7PgsuU';
const RSA_1024 =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCuTtZrzNZIxdFLUzgA0KPqJ16oTUvYEzTvwMXFT5i4pxlG9KRA0ACJLFbYRIfrzUt5BPKHNefhFSzVBfCNjUuchu3UjH5HyhJyI7tyNk61LjDvBnDeYHzBbhcjqOYzkh4DdGHSzmDqCHu1jTArf8lu3KWdnynSZj3rrv8oQArhBw== old';

// what must never show up in a log line or an audit row, whether the request was taken or refused
const SECRET = 'getting-in-userdata-secret-5b7e';
const USER_DATA = `#cloud-config\nchpasswd:\n  list: |\n    root:${SECRET}\n`;
const CONSOLE_TIMEOUT_MS = 1_000;

/**
 * Getting into a VM (issue 15): SSH keys (literal, or a project's keypairs by name) and
 * user-data given at creation reach the guest through its NoCloud config drive, and the guest's
 * console, read through the API from its host's agent, shows what cloud-init found there. The
 * user-data is never logged, never in the audit trail and never shown back.
 */
describe('getting in: keys, user-data and the console', () => {
  let cloud: Cloud;
  let a: ApiClient; // a member of project A
  let aViewer: ApiClient;
  let b: ApiClient; // a member of project B
  let projectA: string;
  let projectB: string;

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2, logLevel: 'debug', env: { CONSOLE_TIMEOUT_MS: String(CONSOLE_TIMEOUT_MS) } });
    const project = async (name: string) => (await cloud.api.post('/v1/projects', { name })).body.id as string;
    const token = async (projectId: string, role: string) =>
      cloud.api.withToken(
        (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: `${role}-ci`, role })).body.token,
      );
    projectA = await project('getting-in-a');
    projectB = await project('getting-in-b');
    a = await token(projectA, 'member');
    aViewer = await token(projectA, 'viewer');
    b = await token(projectB, 'member');
  });
  afterAll(() => cloud?.stop());

  const create = (client: ApiClient, body: Record<string, unknown>) =>
    client.post('/v1/vms', { flavor: 'xp.micro', image: 'tiny-pv', ...body });

  /** A running VM of the client's project. */
  async function runningVm(client: ApiClient, body: Record<string, unknown>): Promise<any> {
    const res = await create(client, body);
    expect(res.status).toBe(202);
    expect((await cloud.waitForOperation(res.body.operations[0].id)).status).toBe('succeeded');
    return res.body.vms[0];
  }

  const consoleOf = (client: ApiClient, vmId: string, query = '') => client.get(`/v1/vms/${vmId}/console${query}`);

  it('a VM created with a literal key, a keypair and user-data boots with them: the console shows hostname and keys', async () => {
    const keypair = await a.post(`/v1/projects/${projectA}/keypairs`, {
      name: 'laptop',
      publicKey: `${ECDSA} my laptop`,
    });
    expect(keypair.status).toBe(201);
    expect(keypair.body).toMatchObject({
      projectId: projectA,
      name: 'laptop',
      type: 'ecdsa-sha2-nistp256',
      publicKey: `${ECDSA} my laptop`,
      fingerprint: ECDSA_FP,
    });
    expect((await aViewer.get(`/v1/projects/${projectA}/keypairs`)).body.items.map((k: any) => k.name)).toEqual([
      'laptop',
    ]);

    const res = await create(a, { name: 'box', sshKeys: [ED25519, 'laptop'], userData: USER_DATA });
    expect(res.status).toBe(202);
    const vm = res.body.vms[0];
    // the VM shows the keys it got and the size of its user-data, never the user-data
    expect(vm).toMatchObject({ sshKeys: [ED25519, `${ECDSA} my laptop`], userDataBytes: Buffer.byteLength(USER_DATA) });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect((await cloud.waitForOperation(res.body.operations[0].id)).status).toBe('succeeded');
    expect(JSON.stringify((await a.get(`/v1/vms/${vm.id}`)).body)).not.toContain(SECRET);

    const read = await consoleOf(a, vm.id);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    expect(read.body.truncated).toBe(false);
    const lines = (read.body.output as string).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `cloud-init: instance-id=${vm.id}`,
        'cloud-init: hostname=box',
        `cloud-init: ssh key ssh-ed25519 ${ED25519_FP} alice@laptop`,
        `cloud-init: ssh key ecdsa-sha2-nistp256 ${ECDSA_FP} my laptop`,
        `cloud-init: user-data ${Buffer.byteLength(USER_DATA)} bytes`,
        'box login:',
      ]),
    );
    expect(read.body.output).not.toContain(SECRET);

    // the last bytes only, when asked: what a CI job polls for
    const tail = await consoleOf(a, vm.id, '?bytes=11');
    expect(tail.body).toEqual({ output: 'box login:\n', truncated: true });
    expect((await consoleOf(a, vm.id, '?bytes=0')).status).toBe(400);

    // the VM copied the key: deleting the keypair changes no VM, and a reboot still installs it
    expect((await a.delete(`/v1/projects/${projectA}/keypairs/laptop`)).status).toBe(204);
    expect(await cloud.db.keypair.count({ where: { projectId: projectA } })).toBe(0);
    const reboot = await a.post(`/v1/vms/${vm.id}/actions`, { action: 'reboot' });
    expect((await cloud.waitForOperation(reboot.body.id)).status).toBe('succeeded');
    const after = (await consoleOf(a, vm.id)).body.output as string;
    expect(after.match(new RegExp(`ssh key ecdsa-sha2-nistp256 ${ECDSA_FP}`, 'g'))).toHaveLength(2);
    expect((await a.get(`/v1/vms/${vm.id}`)).body.sshKeys).toEqual([ED25519, `${ECDSA} my laptop`]);
  });

  it('user-data over 64 KiB is a 400 naming userData, and nothing is written', async () => {
    const before = await rowCounts(cloud);
    // over 65,536 characters: the edge's own check
    const long = await create(a, {
      name: 'too-long',
      userData: `${SECRET}\n`.repeat(Math.ceil(65_537 / (SECRET.length + 1))),
    });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'userData' }] });
    // within 65,536 characters, over 65,536 bytes (UTF-8): refused before anything is written too
    const wide = await create(a, { name: 'too-wide', userData: `#${SECRET}\n${'é'.repeat(32_768)}` });
    expect(wide.status).toBe(400);
    expect(wide.body.errors).toEqual([
      {
        field: 'userData',
        message: `must be at most 65536 bytes (UTF-8); this is ${32_768 * 2 + SECRET.length + 2} bytes`,
      },
    ]);
    expect(JSON.stringify([long.body, wide.body])).not.toContain(SECRET);
    expect(await rowCounts(cloud)).toEqual(before);
    expect(await cloud.db.vm.count({ where: { name: { in: ['too-long', 'too-wide'] } } })).toBe(0);
  });

  it('a bad key is a 400 naming the entry, and neither a VM nor a keypair is written', async () => {
    const before = await rowCounts(cloud);
    for (const [sshKeys, field, message] of [
      [[ED25519, RSA_1024], 'sshKeys[1]', 'ssh-rsa keys must have at least 2048 bits (this one has 1024)'],
      [[`${ED25519}\nssh-ed25519 AAAA injected`], 'sshKeys[0]', 'must be one line of printable characters'],
      [[`command="sh" ${ED25519}`], 'sshKeys[0]', expect.stringMatching(/^must start with the key type/)],
      [['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2'], 'sshKeys[0]', expect.stringMatching(/truncated/)],
      [Array(11).fill(ED25519), 'sshKeys', 'sshKeys must contain no more than 10 elements'],
      ['ssh-ed25519 AAAA', 'sshKeys', 'sshKeys must be an array'],
    ] as [unknown, string, unknown][]) {
      const res = await create(a, { name: 'bad-key', sshKeys });
      expect({ field, status: res.status, code: res.body.code, errors: res.body.errors }).toEqual({
        field,
        status: 400,
        code: 'validation_failed',
        errors: [{ field, message }],
      });
    }
    const badKeypair = await a.post(`/v1/projects/${projectA}/keypairs`, { name: 'old', publicKey: RSA_1024 });
    expect(badKeypair.status).toBe(400);
    expect(badKeypair.body.errors).toEqual([
      { field: 'publicKey', message: 'ssh-rsa keys must have at least 2048 bits (this one has 1024)' },
    ]);
    expect(await rowCounts(cloud)).toEqual(before);

    // a name is unique in its project (not across projects)
    expect((await a.post(`/v1/projects/${projectA}/keypairs`, { name: 'ci', publicKey: ED25519 })).status).toBe(201);
    const again = await a.post(`/v1/projects/${projectA}/keypairs`, { name: 'ci', publicKey: ECDSA });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('keypair name ci is already taken');
    expect((await b.post(`/v1/projects/${projectB}/keypairs`, { name: 'ci', publicKey: ECDSA })).status).toBe(201);
  });

  it("another project's keypair is refused as if it did not exist, and its keypairs are 404 to a stranger", async () => {
    expect((await b.post(`/v1/projects/${projectB}/keypairs`, { name: 'b-only', publicKey: ED25519 })).status).toBe(
      201,
    );
    const before = await rowCounts(cloud);
    const theirs = await create(a, { name: 'stolen-key', sshKeys: ['b-only'] });
    const nobodys = await create(a, { name: 'stolen-key', sshKeys: ['no-such-key'] });
    expect([theirs.status, nobodys.status]).toEqual([400, 400]);
    expect(theirs.body.errors).toEqual([{ field: 'sshKeys[0]', message: 'no keypair named "b-only" in this project' }]);
    expect(nobodys.body.errors).toEqual([
      { field: 'sshKeys[0]', message: 'no keypair named "no-such-key" in this project' },
    ]);
    expect(await rowCounts(cloud)).toEqual(before);

    // B's keypairs are not A's to list or delete: 404, as for a project that does not exist
    expect((await a.get(`/v1/projects/${projectB}/keypairs`)).status).toBe(404);
    expect((await a.delete(`/v1/projects/${projectB}/keypairs/b-only`)).status).toBe(404);
    expect((await a.post(`/v1/projects/${projectB}/keypairs`, { name: 'planted', publicKey: ED25519 })).status).toBe(
      404,
    );
    expect(await cloud.db.keypair.count({ where: { projectId: projectB, name: { in: ['b-only', 'planted'] } } })).toBe(
      1,
    );
    // a viewer lists but does not change keypairs
    expect((await aViewer.post(`/v1/projects/${projectA}/keypairs`, { name: 'v', publicKey: ED25519 })).status).toBe(
      403,
    );
    // deleting by id works too, and a second delete finds nothing
    const ci = (await a.get(`/v1/projects/${projectA}/keypairs`)).body.items.find((k: any) => k.name === 'ci');
    expect((await a.delete(`/v1/projects/${projectA}/keypairs/${ci.id}`)).status).toBe(204);
    expect((await a.delete(`/v1/projects/${projectA}/keypairs/${ci.id}`)).status).toBe(404);
  });

  it("the console is its project's members' only: another project's VM is 404, a viewer 403", async () => {
    const vm = await runningVm(b, { name: 'b-box' });
    const theirs = await consoleOf(a, vm.id);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(theirs.body).toMatchObject({ code: 'not_found', detail: `vm ${vm.id} not found` });
    // the same answer as for a VM that does not exist at all
    expect((await consoleOf(a, '00000000-0000-4000-8000-000000000000')).body.code).toBe('not_found');
    expect((await consoleOf(b, vm.id)).status).toBe(200);
    const viewer = await consoleOf(aViewer, (await runningVm(a, { name: 'viewed' })).id);
    expect(viewer.status).toBe(403);
    // global admins read any console
    expect((await consoleOf(cloud.api, vm.id)).body.output).toContain('cloud-init: hostname=b-box');
  });

  it('a VM with no domain has no console: 409 for a stopped one and a deleted one', async () => {
    const vm = await runningVm(a, { name: 'stopped' });
    const stop = await a.post(`/v1/vms/${vm.id}/actions`, { action: 'stop' });
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');
    const stopped = await consoleOf(a, vm.id);
    expect(stopped.status).toBe(409);
    expect(stopped.body).toMatchObject({ code: 'conflict', state: 'stopped' });
    expect(stopped.body.detail).toMatch(/^vm \S+ is stopped: it has no domain on host sim-\d+, so no console$/);
    const del = await a.delete(`/v1/vms/${vm.id}`);
    expect((await cloud.waitForOperation(del.body.id)).status).toBe('succeeded');
    const deleted = await consoleOf(a, vm.id);
    expect(deleted.status).toBe(409);
    expect(deleted.body.detail).toBe(`vm ${vm.id} is deleted and on no host: it has no console`);
  });

  it('a host that does not answer is a 503 within the deadline, one known silent a 409 at once, never a hang', async () => {
    const vm = await runningVm(a, { name: 'cut-off' });
    const host = (await cloud.api.get(`/v1/hosts/${(await a.get(`/v1/vms/${vm.id}`)).body.hostId}`)).body;
    const control = await cloud.simControl(host.name);
    // just heard from (its pool suspects it after 2 s of silence): the API will ask it, not doubt it
    await waitFor(
      'a fresh heartbeat',
      async () => {
        const row = await cloud.db.host.findUniqueOrThrow({ where: { id: host.id } });
        return Date.now() - (row.lastHeartbeatAt?.getTime() ?? 0) < 300 ? true : undefined;
      },
      { intervalMs: 25 },
    );
    await control.injectFault({
      kind: FaultKind.FAULT_KIND_HOST_CUT_OFF,
      vmId: '',
      count: 0,
      delayMs: 0,
      durationMs: 0,
    });
    try {
      // its heartbeats are still recent: the API asks the agent, which does not answer
      let started = Date.now();
      const silent = await consoleOf(a, vm.id);
      expect(Date.now() - started).toBeLessThan(CONSOLE_TIMEOUT_MS + 1_500);
      expect(silent.status).toBe(503);
      expect(silent.body).toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(CONSOLE_TIMEOUT_MS - 50);
      expect(silent.body.detail).toBe(`host ${host.name} did not answer within ${CONSOLE_TIMEOUT_MS} ms`);
      // once the host is in doubt, the API does not even wait for it
      await waitFor('the VM in doubt', async () =>
        (await a.get(`/v1/vms/${vm.id}`)).body.powerState === 'unknown' ? true : undefined,
      );
      started = Date.now();
      const doubted = await consoleOf(a, vm.id);
      expect(Date.now() - started).toBeLessThan(CONSOLE_TIMEOUT_MS);
      expect(doubted.status).toBe(409);
      expect(doubted.body).toMatchObject({ code: 'conflict', hostState: expect.any(String) });
      expect(doubted.body.detail).toBe(
        `host ${host.name} has not answered a heartbeat within its pool's suspect timeout: the console cannot be read now`,
      );
    } finally {
      await control.clearFaults();
    }
    // healed, the console answers again
    await waitFor('the console again', async () => ((await consoleOf(a, vm.id)).status === 200 ? true : undefined), {
      timeoutMs: 20_000,
    });
  });

  it('the user-data never reaches a log line or an audit row; keypair changes are audited', async () => {
    const logs = [cloud.apiProcess!, ...cloud.schedulers, ...cloud.fleets].map((p) => p.output()).join('\n');
    // the processes did log (at debug level): the absence below means something
    expect(logs).toContain('"path":"/v1/vms"');
    expect(logs).not.toContain(SECRET);
    const rows = await cloud.db.auditEntry.findMany();
    expect(rows.filter((r) => r.action === 'vm.create').length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    for (const r of rows.filter((row) => row.action === 'vm.create')) {
      expect(Object.keys(r.summary as object)).not.toEqual(expect.arrayContaining(['userData']));
    }
    const keypairRows = rows.filter((r) => r.action.startsWith('keypair.') && r.projectId === projectA);
    expect(keypairRows.map((r) => [r.action, r.status, r.summary])).toEqual(
      expect.arrayContaining([
        ['keypair.create', 201, { name: 'laptop' }],
        ['keypair.delete', 204, { keypair: 'laptop' }],
        ['keypair.create', 400, { name: 'old' }],
        ['keypair.create', 409, { name: 'ci' }],
        ['keypair.create', 403, { name: 'v' }],
      ]),
    );
    // what A's member tried on B's keypairs is recorded under the caller's project, with what it named
    const onB = rows.filter((r) => r.action.startsWith('keypair.') && r.status === 404);
    expect(onB.map((r) => [r.action, r.projectId, r.summary])).toEqual(
      expect.arrayContaining([
        ['keypair.delete', projectA, { keypair: 'b-only' }],
        ['keypair.create', projectA, { name: 'planted' }],
      ]),
    );
  });
});
