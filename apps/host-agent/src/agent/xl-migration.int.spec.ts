// Migration with the xl driver between two real agent processes over real mutual TLS. Their
// `xl` is fake-xl.mjs (the hypervisor is the only thing mocked), which speaks a toy migration
// protocol through the real path: the source agent's `xl migrate -s <transport>` execs the
// agent's transport helper through `sh -c` as xl does; the helper relays to the agent's unix
// socket, the agent to the target agent's ReceiveMigration, the target agent to its
// `xl migrate-receive`'s stdin, and the answers back the same way.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { AgentClient } from '@xenplane/agent-client';
import { signMigrationTicket } from '@xenplane/pki';
import { DomainState } from '@xenplane/proto';
import { initTracing, step, type StepRecord, withWork } from '@xenplane/observability';
import { StandaloneAgent, testDomainSpec, waitFor } from '@xenplane/testing';

const FAKE_XL = join(__dirname, 'fake-xl.mjs');
const RUNNING = [DomainState.DOMAIN_STATE_RUNNING, DomainState.DOMAIN_STATE_BLOCKED];

async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded');
}

/** One Xen host: an agent on the xl driver whose `xl` is the fake, with its own domains. */
class FakeXenHost {
  readonly dir = mkdtempSync(join(tmpdir(), 'xenplane-xlmig-'));
  readonly fakeDir = join(this.dir, 'fake');
  readonly workDir = join(this.dir, 'xl');
  readonly agent: StandaloneAgent;
  client!: AgentClient;

  constructor(caDir: string) {
    mkdirSync(this.fakeDir);
    // XL_BINARY is one executable: a wrapper that runs the fake with this node
    writeFileSync(join(this.dir, 'xl-bin'), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_XL}' "$@"\n`);
    chmodSync(join(this.dir, 'xl-bin'), 0o755);
    this.agent = new StandaloneAgent({
      caDir,
      deadlineMs: 20_000,
      env: {
        AGENT_DRIVER: 'xl',
        AGENT_TEST_CONTROLS: 'false',
        XL_BINARY: join(this.dir, 'xl-bin'),
        XL_WORK_DIR: this.workDir,
        XL_LOG_DIR: join(this.dir, 'log'),
        FAKE_XL_DIR: this.fakeDir,
      },
    });
  }

  async start(): Promise<void> {
    await this.agent.start();
    this.client = this.agent.client();
  }

  /** The next migration through this host's xl fails this way (see fake-xl.mjs). */
  failNext(mode: 'receive-fail' | 'send-fail' | 'send-slow'): void {
    writeFileSync(join(this.fakeDir, 'fail'), mode);
  }

  /** Every domain of the fake host, whatever it is named (xl renames during migration). */
  domains(): { domId: number; name: string; uuid: string; flags: string }[] {
    const file = join(this.fakeDir, 'domains.json');
    return existsSync(file)
      ? (
          JSON.parse(readFileSync(file, 'utf8')) as {
            domains: { domId: number; name: string; uuid: string; flags: string }[];
          }
        ).domains
      : [];
  }

  xlLog(): string {
    const file = join(this.fakeDir, 'log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  sockets(): string[] {
    const dir = join(this.workDir, 'migrations');
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  async destroy(): Promise<void> {
    await this.agent.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** This test's migration processes still running: the fake's `xl migrate` and the transport name the socket dir. */
function leftovers(hosts: FakeXenHost[]): string[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-a', '-f', 'migration-transport|fake-xl.mjs migrate'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep: nothing matched
  }
  return out
    .split('\n')
    .filter((l) => hosts.some((h) => l.includes(h.workDir)) || l.includes('fake-xl.mjs migrate-receive'));
}

describe('xl driver migration between two agents (fake xl, real transport, real mTLS)', () => {
  const caDir = mkdtempSync(join(tmpdir(), 'xenplane-xlmig-ca-'));
  const a = new FakeXenHost(caDir);
  const b = new FakeXenHost(caDir);

  beforeAll(async () => {
    await a.start();
    await b.start();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
    rmSync(caDir, { recursive: true, force: true });
  });

  const createOnA = async () => {
    const spec = testDomainSpec({ epoch: 3 });
    const dom = await a.client.createDomain({ spec, startPaused: false });
    return { spec, dom };
  };
  // the control plane's permission, as the scheduler signs it
  const ticketFor = (vmId: string, targetHostId = b.agent.hostId) =>
    signMigrationTicket(a.agent.controlPlane!, {
      vmId,
      sourceHostId: a.agent.hostId,
      targetHostId,
      expiresAt: Date.now() + 60_000,
    });
  const migrate = (vmId: string, over: { live?: boolean; deadlineMs?: number; ticket?: string } = {}) =>
    a.client.migrateDomain(
      {
        vmId,
        targetHostId: b.agent.hostId,
        targetAddress: b.agent.address,
        live: over.live ?? true,
        epoch: 3,
        ticket: over.ticket ?? ticketFor(vmId),
      },
      { deadlineMs: over.deadlineMs ?? 30_000 },
    );
  const nothingLeft = () =>
    waitFor(
      'no migration process or socket left',
      async () => (leftovers([a, b]).length === 0 && a.sockets().length === 0 ? true : undefined),
      { timeoutMs: 10_000 },
    ).catch(() => {
      throw new Error(`left behind: ${JSON.stringify({ processes: leftovers([a, b]), sockets: a.sockets() })}`);
    });

  it('moves a running domain: bytes flow both ways through the transport, the target answers its domId', async () => {
    const { spec, dom } = await createOnA();
    const res = await migrate(spec.vmId);
    const landed = await b.client.getDomain({ vmId: spec.vmId });
    expect(res.targetDomId).toBe(landed.domId);
    expect(landed).toMatchObject({ name: `xp-${spec.vmId}`, epoch: 3 });
    expect(RUNNING).toContain(landed.state);
    expect((await statusOf(a.client.getDomain({ vmId: spec.vmId }))).code).toBe(Status.NOT_FOUND);
    expect(a.domains().filter((d) => d.uuid === spec.vmId)).toEqual([]);
    expect(b.domains().filter((d) => d.uuid === spec.vmId)).toHaveLength(1);
    // xl ran the agent's helper as its transport, through sh -c, with only agent-made values
    const rune = /migrate rune=(.*)/.exec(a.xlLog())?.[1] ?? '';
    expect(rune).toMatch(
      new RegExp(`^exec \\S+ \\S+/migration-transport\\.js ${a.workDir}/migrations [0-9a-f]{32} xl migrate-receive$`),
    );
    // the sender only finishes when the receiver's checksum of the 3 MB it sent matches
    const sent = /migrated xp-\S+ sha=([0-9a-f]{64})/.exec(a.xlLog());
    expect(sent).not.toBeNull();
    expect(b.xlLog()).toContain(`received xp-${spec.vmId} as ${landed.domId}`);
    expect(res.transferSeconds).toBeGreaterThan(0);
    expect(dom.domId).toBeGreaterThan(0);
    await nothingLeft();
    await b.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it('a cold migration (live=false) pauses first and the guest runs again on the target', async () => {
    const { spec } = await createOnA();
    const res = await migrate(spec.vmId, { live: false });
    expect(RUNNING).toContain((await b.client.getDomain({ vmId: spec.vmId })).state);
    expect(res.downtimeMs).toBeGreaterThanOrEqual(res.transferSeconds * 1000 - 1);
    await nothingLeft();
    await b.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it('a failure on the target ends both sides: the target removes its half-built domain, the source keeps the guest', async () => {
    const { spec, dom } = await createOnA();
    b.failNext('receive-fail');
    const e = await statusOf(migrate(spec.vmId));
    expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(e.details).toMatch(/xl migrate failed/);
    expect(e.details).toMatch(/target agent: xl migrate-receive failed .*fake restore failure/);
    expect(await a.client.getDomain({ vmId: spec.vmId })).toMatchObject({ domId: dom.domId, name: `xp-${spec.vmId}` });
    await waitFor(
      'the incoming domain gone',
      async () => (b.domains().some((d) => d.uuid === spec.vmId) ? undefined : true),
      { timeoutMs: 10_000 },
    );
    await nothingLeft();
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it('refuses a guest whose local disk the target does not have, naming it: the source keeps the guest, nothing lands', async () => {
    const { spec, dom } = await createOnA();
    // both agents share this machine's filesystem: a disk file gone is a disk the target cannot see
    const disk = (await a.client.listStorage({ vmId: spec.vmId })).items.find((i) => i.kind === 'disk')!;
    expect(disk).toBeDefined();
    rmSync(disk.path);
    const e = await statusOf(migrate(spec.vmId));
    expect(e.code).toBe(Status.FAILED_PRECONDITION);
    expect(e.details).toMatch(
      /target agent: the VM's disks are not on this host \(.*\): a live migration carries the guest's memory, not its local disks/,
    );
    expect(e.details).toContain(disk.path);
    expect(await a.client.getDomain({ vmId: spec.vmId })).toMatchObject({ domId: dom.domId, name: `xp-${spec.vmId}` });
    expect(b.domains().filter((d) => d.uuid === spec.vmId)).toEqual([]);
    expect(b.xlLog()).not.toContain(`received xp-${spec.vmId}`);
    await nothingLeft();
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it('a failure on the source ends both sides: the target stops receiving and keeps nothing', async () => {
    const { spec, dom } = await createOnA();
    a.failNext('send-fail');
    const e = await statusOf(migrate(spec.vmId));
    expect(e.code).toBe(Status.INTERNAL);
    expect(e.details).toMatch(/fake failure half way/);
    expect(await a.client.getDomain({ vmId: spec.vmId })).toMatchObject({ domId: dom.domId });
    await waitFor(
      'the incoming domain gone',
      async () => (b.domains().some((d) => d.uuid === spec.vmId) ? undefined : true),
      { timeoutMs: 10_000 },
    );
    expect((await statusOf(b.client.getDomain({ vmId: spec.vmId }))).code).toBe(Status.NOT_FOUND);
    await nothingLeft();
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it("the caller's deadline ends the migration: xl's whole process group on the source, migrate-receive on the target", async () => {
    const { spec, dom } = await createOnA();
    a.failNext('send-slow');
    const e = await statusOf(migrate(spec.vmId, { deadlineMs: 3_000 }));
    expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
    await nothingLeft();
    await waitFor(
      'the incoming domain gone',
      async () => (b.domains().some((d) => d.uuid === spec.vmId) ? undefined : true),
      { timeoutMs: 10_000 },
    );
    expect(await a.client.getDomain({ vmId: spec.vmId })).toMatchObject({ domId: dom.domId, name: `xp-${spec.vmId}` });
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it("refuses an enrolled host's stream the control plane did not ask for: the domain stays where it was, nothing lands", async () => {
    const { spec, dom } = await createOnA();
    for (const ticket of ['', ticketFor(spec.vmId, a.agent.hostId), ticketFor(testDomainSpec().vmId)]) {
      const e = await statusOf(migrate(spec.vmId, { ticket }));
      expect(e).toMatchObject({ code: Status.PERMISSION_DENIED });
      expect(await a.client.getDomain({ vmId: spec.vmId })).toMatchObject({
        domId: dom.domId,
        name: `xp-${spec.vmId}`,
      });
      expect(b.domains().some((d) => d.uuid === spec.vmId)).toBe(false);
    }
    await nothingLeft();
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  }, 60_000);

  it('refuses a migration stream from anyone but an enrolled host', async () => {
    const stream = b.client.receiveMigration({ deadlineMs: 5_000 });
    const failed = new Promise<{ code: number }>((resolve) =>
      stream.on('error', (err: { code: number }) => resolve(err)),
    );
    stream.write({ vmId: testDomainSpec().vmId, epoch: 1, data: Buffer.from('{}'), eof: false, ticket: '' });
    expect((await failed).code).toBe(Status.PERMISSION_DENIED);
  });

  it("a traced call's xl commands are steps of it, named by their subcommand alone, sent back to the caller", async () => {
    // the test is the scheduler here: its tracer, and a sink for the operation's steps
    const tracing = initTracing('test', { side: 'scheduler', export: false });
    const kept: StepRecord[] = [];
    const spec = testDomainSpec({ epoch: 3 });
    try {
      await withWork({ operationId: randomUUID(), vmId: spec.vmId, steps: async (s) => void kept.push(...s) }, () =>
        step('scheduler.run', () => a.client.createDomain({ spec, startPaused: false })),
      );
    } finally {
      await tracing.shutdown();
    }
    const named = (name: string) => kept.find((s) => s.name === name)!;
    const run = named('scheduler.run');
    const call = named('agent.CreateDomain');
    const handled = named('rpc.CreateDomain');
    expect(call.parentSpanId).toBe(run.spanId);
    expect(handled).toMatchObject({ side: 'agent', parentSpanId: call.spanId, traceId: run.traceId, failed: false });
    const create = named('xl create');
    expect(create).toMatchObject({
      side: 'agent',
      parentSpanId: handled.spanId,
      attributes: { 'xl.subcommand': 'create', 'xl.exit_code': 0 },
    });
    // the commands of the handler and of the steps inside it (xl list: the look for an existing
    // domain, then the domain seen running)
    const agentSteps = new Set(kept.filter((s) => s.side === 'agent').map((s) => s.spanId));
    const xl = kept.filter((s) => s.name.startsWith('xl '));
    expect(xl.map((s) => s.name)).toEqual(expect.arrayContaining(['xl list', 'xl create']));
    for (const s of xl) expect(agentSteps.has(s.parentSpanId!)).toBe(true);
    expect(named('guest.boot').parentSpanId).toBe(handled.spanId);
    // no argument but the subcommand leaves the agent: not the config file, not the domain's name
    const shown = JSON.stringify(kept.filter((s) => s.side === 'agent'));
    expect(shown).not.toContain(a.workDir);
    expect(shown).not.toContain(`xp-${spec.vmId}`);
    await a.client.destroyDomain({ vmId: spec.vmId, purgeStorage: true });
  });
});
