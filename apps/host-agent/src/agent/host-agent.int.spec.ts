// The agent as a process with the sim driver, driven over real gRPC and mutual TLS: every RPC,
// idempotency on the VM id, deadlines, fault injection, restarts, and who may call at all.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { credentials, Metadata, status as Status } from '@grpc/grpc-js';
import { type AgentClient, createAgentClient } from '@xenplane/agent-client';
import { loadOrCreateCa, signMigrationTicket } from '@xenplane/pki';
import {
  type CloudInit,
  DomainEventType,
  type DomainSpec,
  DomainState,
  FaultKind,
  HostAgentClient,
} from '@xenplane/proto';
import { StandaloneAgent, testDomainSpec, waitFor } from '@xenplane/testing';

// 2 of 4 vCPUs, 256 of 512 MB: room to set vCPUs and balloon within the maximums
const spec = (over: Partial<DomainSpec> = {}): DomainSpec =>
  testDomainSpec({ vcpus: 2, maxVcpus: 4, memoryMb: 256, maxMemoryMb: 512, ...over });

/** The gRPC status a call failed with (or fails the test if it did not fail). */
async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded');
}

const RUNNING = [DomainState.DOMAIN_STATE_RUNNING, DomainState.DOMAIN_STATE_BLOCKED];

describe('host agent over gRPC (sim driver)', () => {
  const agent = new StandaloneAgent({
    env: { SIM_BOOT_MS: '20', SIM_SHUTDOWN_MS: '20', SIM_CPUS: '8', SIM_MEMORY_MB: '8192' },
  });
  let c: AgentClient;

  beforeAll(async () => {
    await agent.start();
    c = agent.client();
  });
  afterAll(() => agent.destroy());
  afterEach(() => agent.sim().clearFaults());

  it('reports its host: identity, driver and inventory as configured', async () => {
    const info = await c.getHostInfo({});
    expect(info).toMatchObject({
      hostId: agent.hostId,
      driver: 'sim',
      nrCpus: 8,
      totalMemoryMb: 8192,
      hvm: true,
      hap: true,
    });
    expect(info.xenVersion).toMatch(/^4\.17/);
    expect(info.dom0MemoryMb).toBeGreaterThan(0);
    expect(info.freeMemoryMb).toBeLessThan(info.totalMemoryMb);
    const beat = await c.heartbeat({
      fenceTimeoutSeconds: 0,
      fenceTimeoutMs: 0,
      protectedVmIds: [],
      witnesses: [],
      condemnedHostIds: [],
      probeTimeoutMs: 0,
      quorumRecheckMs: 0,
    });
    expect(beat.info?.hostId).toBe(agent.hostId);
    expect(beat.fenced).toBe(false);
  });

  it('creates a domain once per VM id, however often it is asked', async () => {
    const s = spec();
    const results = await Promise.all([1, 2, 3].map(() => c.createDomain({ spec: s, startPaused: false })));
    expect(new Set(results.map((d) => d.domId)).size).toBe(1);
    const again = await c.createDomain({ spec: s, startPaused: false });
    expect(again.domId).toBe(results[0]!.domId);
    expect(RUNNING).toContain(again.state);
    const listed = (await c.listDomains({})).domains.filter((d) => d.vmId === s.vmId);
    expect(listed).toHaveLength(1);
    expect(await c.getDomain({ vmId: s.vmId })).toMatchObject({
      vmId: s.vmId,
      domId: again.domId,
      vcpus: 2,
      maxVcpus: 4,
      memoryMb: 256,
      maxMemoryMb: 512,
      epoch: 1,
    });
    const history = await agent.sim().getHistory({ vmId: s.vmId });
    expect(history.lives).toHaveLength(1);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  it('gives each new domain a larger domain id, as Xen does', async () => {
    const a = await c.createDomain({ spec: spec(), startPaused: false });
    const b = await c.createDomain({ spec: spec(), startPaused: false });
    expect(b.domId).toBeGreaterThan(a.domId);
    await Promise.all([a, b].map((d) => c.destroyDomain({ vmId: d.vmId, purgeStorage: true })));
  });

  it('refuses an invalid spec with INVALID_ARGUMENT naming the field, and makes nothing', async () => {
    const bad = spec({
      boot: {
        kernel: '/boot/x"\nmemory=99999',
        ramdisk: '',
        cmdline: '',
        bootloader: '',
        hvmBoot: '',
        serial: '',
        vnc: false,
      },
    });
    const e = await statusOf(c.createDomain({ spec: bad, startPaused: false }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toContain('boot.kernel');
    expect((await c.listDomains({})).domains.find((d) => d.vmId === bad.vmId)).toBeUndefined();
  });

  it('answers NOT_FOUND for a VM it has no domain for', async () => {
    const e = await statusOf(c.getDomain({ vmId: randomUUID() }));
    expect(e.code).toBe(Status.NOT_FOUND);
  });

  it('starts paused when asked, then pauses and unpauses', async () => {
    const s = spec();
    const created = await c.createDomain({ spec: s, startPaused: true });
    expect(created.state).toBe(DomainState.DOMAIN_STATE_PAUSED);
    expect(RUNNING).toContain((await c.unpauseDomain({ vmId: s.vmId })).state);
    expect((await c.pauseDomain({ vmId: s.vmId })).state).toBe(DomainState.DOMAIN_STATE_PAUSED);
    expect(RUNNING).toContain((await c.unpauseDomain({ vmId: s.vmId })).state);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  it('balloons within memory..maxmem, sets vCPUs within maxvcpus and pins them', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    expect((await c.setMemory({ vmId: s.vmId, memoryMb: 512 })).memoryMb).toBe(512);
    expect((await c.setMemory({ vmId: s.vmId, memoryMb: 128 })).memoryMb).toBe(128);
    expect((await statusOf(c.setMemory({ vmId: s.vmId, memoryMb: 513 }))).code).toBe(Status.INVALID_ARGUMENT);
    expect((await c.setVcpus({ vmId: s.vmId, vcpus: 4 })).vcpus).toBe(4);
    expect((await statusOf(c.setVcpus({ vmId: s.vmId, vcpus: 5 }))).code).toBe(Status.INVALID_ARGUMENT);
    await c.pinVcpu({ vmId: s.vmId, vcpu: -1, cpus: '0-3' });
    expect((await statusOf(c.pinVcpu({ vmId: s.vmId, vcpu: 0, cpus: '0-3; rm -rf /' }))).code).toBe(
      Status.INVALID_ARGUMENT,
    );
    expect((await statusOf(c.pinVcpu({ vmId: s.vmId, vcpu: 0, cpus: '64' }))).code).toBe(Status.INVALID_ARGUMENT);
    expect((await c.getDomain({ vmId: s.vmId })).memoryMb).toBe(128);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  it('reboots a domain as a new domain id, and records each life', async () => {
    const s = spec();
    const before = await c.createDomain({ spec: s, startPaused: false });
    const after = await c.rebootDomain({ vmId: s.vmId });
    expect(after.domId).toBeGreaterThan(before.domId);
    expect(RUNNING).toContain(after.state);
    const lives = (await agent.sim().getHistory({ vmId: s.vmId })).lives;
    expect(lives.map((l) => l.domId)).toEqual([before.domId, after.domId]);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  it('saves a domain away and restores it', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    const saved = await c.saveDomain({ vmId: s.vmId, name: `${s.vmId}.save` });
    expect(saved.sizeBytes).toBeGreaterThan(0);
    expect((await statusOf(c.getDomain({ vmId: s.vmId }))).code).toBe(Status.NOT_FOUND);
    const restored = await c.restoreDomain({ vmId: s.vmId, name: `${s.vmId}.save` });
    expect(restored).toMatchObject({ vmId: s.vmId, memoryMb: 256 });
    expect((await statusOf(c.restoreDomain({ vmId: s.vmId, name: `${s.vmId}.save` }))).code).toBe(Status.NOT_FOUND);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  it('shuts down cleanly, and destroy is idempotent', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    expect(await c.shutdownDomain({ vmId: s.vmId, timeoutSeconds: 5, forceAfterTimeout: true })).toMatchObject({
      forced: false,
      existed: true,
    });
    expect((await statusOf(c.getDomain({ vmId: s.vmId }))).code).toBe(Status.NOT_FOUND);
    expect(await c.shutdownDomain({ vmId: s.vmId, timeoutSeconds: 5, forceAfterTimeout: true })).toMatchObject({
      existed: false,
    });
    expect(await c.destroyDomain({ vmId: s.vmId, purgeStorage: true })).toMatchObject({ existed: false });
  });

  it('serves the console log of a domain', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    const log = await c.getConsoleLog({ vmId: s.vmId, maxBytes: 4096 });
    expect(log.data.length).toBeLessThanOrEqual(4096);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
  });

  describe('config drive (cloud-init NoCloud)', () => {
    const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ alice@laptop';
    const SECRET = 'user-data-secret-4d1f';
    const withDrive = (over: Partial<CloudInit> = {}) => {
      const s = spec({ name: 'web-1' });
      s.cloudInit = {
        instanceId: s.vmId,
        hostname: 'web-1',
        sshKeys: [KEY],
        userData: Buffer.from(`#cloud-config\n# ${SECRET}\n`),
        interfaces: [{ mac: '00:16:3e:0a:0b:0c', addresses: ['10.0.0.5/24'], gateway: '10.0.0.1', nameservers: [] }],
        ...over,
      };
      return s;
    };
    const consoleOf = async (vmId: string) => (await c.getConsoleLog({ vmId, maxBytes: 0 })).data.toString();

    it('boots the guest from it: the console says what cloud-init read, the user-data by its size only', async () => {
      const s = withDrive();
      await c.createDomain({ spec: s, startPaused: false });
      const out = await consoleOf(s.vmId);
      expect(out).toContain('cloud-init: datasource NoCloud, config drive cidata: meta-data (');
      expect(out).toContain(`cloud-init: instance-id=${s.vmId}\ncloud-init: hostname=web-1\n`);
      expect(out).toContain(
        'cloud-init: ssh key ssh-ed25519 SHA256:gwDPopIDqDiftZA3nnqquH0LoXrpw5RK+c/nUzpJc0Y alice@laptop',
      );
      expect(out).toContain(`cloud-init: user-data ${s.cloudInit!.userData.length} bytes`);
      expect(out).toContain('cloud-init: network eth0 00:16:3e:0a:0b:0c 10.0.0.5/24 via 10.0.0.1');
      expect(out).toContain('web-1 login:');
      expect(out).not.toContain(SECRET);
      // a reboot boots from the drive again; xenconsoled's log keeps the first boot
      await c.rebootDomain({ vmId: s.vmId });
      expect((await consoleOf(s.vmId)).match(/cloud-init: hostname=web-1/g)).toHaveLength(2);
      await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    });

    it('a guest without one says so, and one created paused boots when it first runs', async () => {
      const bare = spec();
      await c.createDomain({ spec: bare, startPaused: false });
      expect(await consoleOf(bare.vmId)).toContain('cloud-init: no config drive');
      const paused = withDrive({ sshKeys: [], userData: Buffer.alloc(0), interfaces: [] });
      await c.createDomain({ spec: paused, startPaused: true });
      expect(await consoleOf(paused.vmId)).toBe('\n');
      await c.unpauseDomain({ vmId: paused.vmId });
      const out = await consoleOf(paused.vmId);
      expect(out).toContain('cloud-init: no ssh keys\ncloud-init: user-data 0 bytes\n');
      expect(out).not.toContain('network-config');
      await c.destroyDomain({ vmId: bare.vmId, purgeStorage: true });
      await c.destroyDomain({ vmId: paused.vmId, purgeStorage: true });
    });

    it.each([
      ['a bad key', { sshKeys: [KEY, 'ssh-ed25519 AAAA\ninjected'] }, 'cloud_init.ssh_keys[1]'],
      ['user-data over 64 KiB', { userData: Buffer.alloc(65_537, SECRET) }, 'cloud_init.user_data'],
      ['a hostname that is not one', { hostname: 'a b' }, 'cloud_init.hostname'],
      [
        'an address without its prefix',
        { interfaces: [{ mac: '00:16:3e:00:00:01', addresses: ['10.0.0.5'], gateway: '', nameservers: [] }] },
        'cloud_init.interfaces[0].addresses[0]',
      ],
    ] as [string, Partial<CloudInit>, string][])(
      'refuses %s with INVALID_ARGUMENT naming the field, never quoting the user-data, and makes nothing',
      async (_what, over, field) => {
        const bad = withDrive(over);
        const e = await statusOf(c.createDomain({ spec: bad, startPaused: false }));
        expect(e.code).toBe(Status.INVALID_ARGUMENT);
        expect(e.details.startsWith(`${field}: `)).toBe(true);
        expect(e.details).not.toContain(SECRET);
        expect((await c.listDomains({})).domains.find((d) => d.vmId === bad.vmId)).toBeUndefined();
      },
    );
  });

  it('streams domain events in order, resuming after a sequence number', async () => {
    const since = (
      await c.heartbeat({
        fenceTimeoutSeconds: 0,
        fenceTimeoutMs: 0,
        protectedVmIds: [],
        witnesses: [],
        condemnedHostIds: [],
        probeTimeoutMs: 0,
        quorumRecheckMs: 0,
      })
    ).eventSeq;
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    const controller = new AbortController();
    const seen: DomainEventType[] = [];
    let lastSeq = 0;
    for await (const e of c.watchEvents({ sinceSeq: since }, { signal: controller.signal, deadlineMs: 5_000 })) {
      if (e.vmId !== s.vmId) continue;
      expect(e.seq).toBeGreaterThan(lastSeq);
      lastSeq = e.seq;
      seen.push(e.type);
      if (e.type === DomainEventType.DOMAIN_EVENT_TYPE_DESTROYED) break;
    }
    controller.abort();
    expect(seen).toEqual([
      DomainEventType.DOMAIN_EVENT_TYPE_CREATED,
      DomainEventType.DOMAIN_EVENT_TYPE_RUNNING,
      DomainEventType.DOMAIN_EVENT_TYPE_DESTROYED,
    ]);
  });

  it("keeps the caller's correlation id in its log lines", async () => {
    const id = `corr-${randomUUID()}`;
    await statusOf(c.getDomain({ vmId: randomUUID() }, { correlationId: id }));
    // the agent's log is written by its process, a moment after it answered
    await waitFor(`a log line with ${id}`, async () => (agent.log().includes(id) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
  });

  describe('faults', () => {
    it('a failing create answers with the toolstack message and leaves no domain', async () => {
      const s = spec();
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_CREATE_FAIL, vmId: s.vmId, count: 1 });
      const e = await statusOf(c.createDomain({ spec: s, startPaused: false }));
      expect(e.code).toBe(Status.INTERNAL);
      expect(e.details).toContain('libxl');
      expect((await statusOf(c.getDomain({ vmId: s.vmId }))).code).toBe(Status.NOT_FOUND);
      // the fault fired once: the retry succeeds
      expect(RUNNING).toContain((await c.createDomain({ spec: s, startPaused: false })).state);
      await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    });

    it("a hanging create is ended by the caller's deadline, and leaves no domain behind", async () => {
      const s = spec();
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_CREATE_HANG, vmId: s.vmId, count: 1 });
      const started = Date.now();
      const correlationId = `hang-${randomUUID()}`;
      const e = await statusOf(c.createDomain({ spec: s, startPaused: false }, { deadlineMs: 500, correlationId }));
      expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeLessThan(3_000);
      // the agent's handler has ended (it logs the failed call as it returns): from then on, no domain may appear
      await waitFor(
        'the agent ending the hung create',
        async () =>
          agent
            .log()
            .split('\n')
            .some((l) => l.includes(correlationId) && l.includes('"msg":"rpc failed"'))
            ? true
            : undefined,
        {
          timeoutMs: 10_000,
          intervalMs: 20,
        },
      );
      expect((await c.listDomains({})).domains.find((d) => d.vmId === s.vmId)).toBeUndefined();
    });

    it('a guest that ignores shutdown: DEADLINE_EXCEEDED without force, destroyed with it', async () => {
      const s = spec();
      await c.createDomain({ spec: s, startPaused: false });
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_SHUTDOWN_IGNORED, vmId: s.vmId });
      const e = await statusOf(c.shutdownDomain({ vmId: s.vmId, timeoutSeconds: 1, forceAfterTimeout: false }));
      expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
      expect(RUNNING).toContain((await c.getDomain({ vmId: s.vmId })).state);
      expect(await c.shutdownDomain({ vmId: s.vmId, timeoutSeconds: 1, forceAfterTimeout: true })).toMatchObject({
        forced: true,
        existed: true,
      });
      expect((await statusOf(c.getDomain({ vmId: s.vmId }))).code).toBe(Status.NOT_FOUND);
    });

    it('a failing destroy leaves the domain running and says so', async () => {
      const s = spec();
      await c.createDomain({ spec: s, startPaused: false });
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_DESTROY_FAIL, vmId: s.vmId, count: 1 });
      expect((await statusOf(c.destroyDomain({ vmId: s.vmId, purgeStorage: true }))).code).toBe(Status.INTERNAL);
      expect(RUNNING).toContain((await c.getDomain({ vmId: s.vmId })).state);
      expect(await c.destroyDomain({ vmId: s.vmId, purgeStorage: true })).toMatchObject({ existed: true });
    });

    it('a slow host still answers within a generous deadline and misses a short one', async () => {
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_SLOW, delayMs: 800, durationMs: 5_000 });
      expect((await statusOf(c.listDomains({}, { deadlineMs: 300 }))).code).toBe(Status.DEADLINE_EXCEEDED);
      await expect(c.listDomains({}, { deadlineMs: 3_000 })).resolves.toBeDefined();
    });

    it('a host cut off stops answering, its domains keep running, and it answers again when healed', async () => {
      const s = spec();
      await c.createDomain({ spec: s, startPaused: false });
      await agent.sim().injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF, durationMs: 1_500 });
      expect((await statusOf(c.getHostInfo({}, { deadlineMs: 500 }))).code).toBe(Status.DEADLINE_EXCEEDED);
      // healed when the fault's 1.5 s are over: it answers again
      await waitFor(
        'the agent answering again',
        async () => ((await c.getHostInfo({}, { deadlineMs: 500 })) ? true : undefined),
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(RUNNING).toContain((await c.getDomain({ vmId: s.vmId }, { deadlineMs: 3_000 })).state);
      await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    });
  });

  describe('who may call', () => {
    it('refuses a caller without a client certificate', async () => {
      // server-authenticated TLS only, as a browser or curl would connect
      const anonymous = new HostAgentClient(
        agent.address,
        credentials.createSsl(Buffer.from(agent.ca!.caCertPem), null, null, { checkServerIdentity: () => undefined }),
      );
      const e = await statusOf(
        new Promise((resolve, reject) =>
          anonymous.listDomains({}, new Metadata(), { deadline: Date.now() + 2_000 }, (err, res) =>
            err ? reject(err) : resolve(res),
          ),
        ),
      );
      anonymous.close();
      expect([Status.UNAVAILABLE, Status.UNAUTHENTICATED]).toContain(e.code);
    });

    it('refuses a client certificate from another CA', async () => {
      const stranger = await loadOrCreateCa(join(agent.dir, 'stranger-ca'));
      const forged = { caCertPem: agent.ca!.caCertPem, ...(await stranger.issueControlPlaneIdentity('intruder')) };
      const c2 = createAgentClient(agent.address, agent.hostId, forged, 2_000);
      const e = await statusOf(c2.createDomain({ spec: spec(), startPaused: false }));
      c2.close();
      expect([Status.UNAVAILABLE, Status.UNAUTHENTICATED]).toContain(e.code);
    });

    it('does not let another enrolled host command domains', async () => {
      const s = spec();
      const peer = agent.client(2_000, await agent.hostIdentity());
      const e = await statusOf(peer.createDomain({ spec: s, startPaused: false }));
      expect(e.code).toBe(Status.PERMISSION_DENIED);
      expect((await c.listDomains({})).domains.find((d) => d.vmId === s.vmId)).toBeUndefined();
    });

    it("takes an incoming domain from another host only with the control plane's ticket for that move", async () => {
      const s = spec();
      const sourceHostId = randomUUID();
      const peer = agent.client(5_000, await agent.hostIdentity(sourceHostId));
      const offer = Buffer.from(JSON.stringify({ spec: s, memoryMb: s.memoryMb, vcpus: s.vcpus, epoch: 2 }));
      const push = (ticket: string) => {
        const stream = peer.receiveMigration({ deadlineMs: 5_000 });
        const answers: { eof: boolean; data: Buffer }[] = [];
        const ended = new Promise<{ code: number } | 'ok'>((resolve) => {
          stream.on('data', (c: { eof: boolean; data: Buffer }) => {
            answers.push(c);
            if (answers.length === 1)
              stream.write({ vmId: s.vmId, epoch: 2, data: Buffer.alloc(0), eof: true, ticket: '' });
            if (c.eof) stream.end();
          });
          stream.on('error', (e: { code: number }) => resolve(e));
          stream.on('end', () => resolve('ok'));
        });
        stream.write({ vmId: s.vmId, epoch: 2, data: offer, eof: false, ticket });
        return { ended, answers };
      };
      const ticket = (over: { targetHostId?: string; sourceHostId?: string } = {}) =>
        signMigrationTicket(agent.controlPlane!, {
          vmId: s.vmId,
          sourceHostId,
          targetHostId: agent.hostId,
          expiresAt: Date.now() + 60_000,
          ...over,
        });

      for (const bad of ['', ticket({ targetHostId: randomUUID() }), ticket({ sourceHostId: randomUUID() })]) {
        expect(await push(bad).ended).toMatchObject({ code: Status.PERMISSION_DENIED });
        expect((await c.listDomains({})).domains.find((d) => d.vmId === s.vmId)).toBeUndefined();
      }
      const ok = push(ticket());
      expect(await ok.ended).toBe('ok');
      const { domId } = JSON.parse(ok.answers.at(-1)!.data.toString()) as { domId: number };
      expect((await c.getDomain({ vmId: s.vmId })).domId).toBe(domId);
      await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    });

    it('will not talk to a server that is not the host it expects', async () => {
      const wrongHost = createAgentClient(agent.address, randomUUID(), agent.controlPlane!, 2_000);
      const e = await statusOf(wrongHost.listDomains({}));
      wrongHost.close();
      expect(e.code).toBe(Status.UNAVAILABLE);
    });
  });

  describe('restarts', () => {
    it('stops gracefully on SIGTERM and, restarted, still knows its domains', async () => {
      const s = spec();
      s.cloudInit = {
        instanceId: s.vmId,
        hostname: 'vm',
        sshKeys: [],
        userData: Buffer.from('#!/bin/sh\necho'),
        interfaces: [],
      };
      const created = await c.createDomain({ spec: s, startPaused: false });
      await agent.stop();
      expect(await agent.process!.waitForExit()).toBe(0);
      await agent.start();
      c = agent.client();
      expect(await c.getDomain({ vmId: s.vmId })).toMatchObject({ domId: created.domId, epoch: 1 });
      // its config drive came back whole (the journal keeps bytes as base64): a reboot reads it again
      await c.rebootDomain({ vmId: s.vmId });
      expect((await c.getConsoleLog({ vmId: s.vmId, maxBytes: 0 })).data.toString()).toContain(
        'cloud-init: user-data 14 bytes',
      );
      // and it does not hand out that domain id again
      const next = await c.createDomain({ spec: spec(), startPaused: false });
      expect(next.domId).toBeGreaterThan(created.domId);
    });
  });
});
