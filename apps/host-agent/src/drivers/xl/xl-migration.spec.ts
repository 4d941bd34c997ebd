import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClientDuplexStream, ServerDuplexStream } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { CONTROL_PLANE_URI, hostUri } from '@xenplane/pki';
import { waitFor } from '@xenplane/testing';
import { DomainEventType, type MigrateDomainRequest, type MigrationChunk } from '@xenplane/proto';
import { AgentError } from '../../errors';
import type { DomainEventInput } from '../driver';
import type { CommandResult, RunOptions, XlCommand, XlProcess, XlStreamCommand } from './command';
import { transportCommand } from './migration-tunnel';
import { XlDriver } from './xl-driver';
import { migrationFailure } from './xl-errors';
import { XlMigration } from './xl-migration';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const NAME = `xp-${VM}`;
const TARGET = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const PROGRAM = { node: '/usr/bin/node', script: '/opt/xenplane/dist/apps/host-agent/src/migration-transport.js' };

interface Dom {
  domId: number;
  name: string;
  uuid: string;
  flags: string;
  disks?: string[];
}

type MigrateScript = (args: readonly string[], opts: RunOptions) => Promise<CommandResult>;
type ReceiveScript = (p: {
  stdin: PassThrough;
  stdout: PassThrough;
  args: readonly string[];
  signal: AbortSignal;
}) => Promise<CommandResult>;

/** `xl` as a few domains: list, list -l, pause, unpause, rename, destroy; migrate and migrate-receive scripted per test. */
class FakeXl implements XlCommand, XlStreamCommand {
  readonly calls: string[][] = [];
  domains: Dom[] = [];
  migrate: MigrateScript = () => Promise.resolve({ code: 0, stdout: '', stderr: '' });
  receive: ReceiveScript = () => Promise.resolve({ code: 0, stdout: '', stderr: '' });
  private next = 1;

  add(name: string, uuid = VM, flags = '-b----'): Dom {
    const d = { domId: this.next++, name, uuid, flags };
    this.domains.push(d);
    return d;
  }

  run(args: readonly string[], opts: RunOptions): Promise<CommandResult> {
    this.calls.push([...args]);
    const ok = (stdout = '') => Promise.resolve({ code: 0, stdout, stderr: '' });
    const [cmd, ref, arg] = args;
    if (cmd === 'migrate') return this.migrate(args, opts);
    if (cmd === 'list' && ref === '-l') {
      return ok(
        JSON.stringify(
          this.domains.map((d) => ({
            domid: d.domId,
            config: {
              c_info: { name: d.name, uuid: d.uuid, type: 'pv' },
              b_info: { max_memkb: 131072, max_vcpus: 1 },
              disks: (d.disks ?? []).map((p, i) => ({ pdev_path: p, vdev: `xvd${'abcz'[i]}`, format: 'raw' })),
            },
          })),
        ),
      );
    }
    if (cmd === 'list')
      return ok(
        [
          'Name ID Mem VCPUs State Time(s)',
          ...this.domains.map((d) => `${d.name} ${d.domId} 128 1 ${d.flags} 1.0`),
        ].join('\n'),
      );
    const d = this.domains.find((x) => x.name === ref || String(x.domId) === ref);
    if (!d) return Promise.resolve({ code: 1, stdout: '', stderr: `invalid domain identifier ${ref}` });
    if (cmd === 'pause') d.flags = '--p---';
    if (cmd === 'unpause') d.flags = '-b----';
    if (cmd === 'rename') d.name = arg!;
    if (cmd === 'destroy') this.domains = this.domains.filter((x) => x !== d);
    return ok();
  }

  open(args: readonly string[], opts: { signal: AbortSignal }): XlProcess {
    this.calls.push([...args]);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    // as a real process: done comes after its stdout has ended
    const done = this.receive({ stdin, stdout, args, signal: opts.signal }).then(async (r) => {
      stdout.end();
      await finished(stdout);
      return r;
    });
    return { stdin, stdout, done };
  }
}

/** The target agent's end of ReceiveMigration, as the source sees it: what it was sent, what it answers. */
function fakeTarget(answer: (chunk: MigrationChunk, stream: FakeStream) => void) {
  const sent: MigrationChunk[] = [];
  const stream = new Duplex({
    objectMode: true,
    read() {},
    write(chunk: MigrationChunk, _enc, cb) {
      sent.push(chunk);
      answer(chunk, stream);
      cb();
    },
  }) as FakeStream;
  stream.cancel = jest.fn(() => {
    if (!stream.destroyed) stream.destroy();
  });
  return { stream, sent };
}
type FakeStream = Duplex & { cancel: jest.Mock };

const bytesOf = (chunks: MigrationChunk[]) =>
  Buffer.concat(
    chunks
      .filter((c) => !c.eof)
      .slice(1)
      .map((c) => c.data),
  ).toString();

/** What a transport does: connect to the socket named by -s and <host>, talk, hang up. */
async function playTransport(args: readonly string[], say: string): Promise<string> {
  const [, , transport, , token] = args;
  const dir = transport!.split(' ')[2]!;
  const socket = connect({ path: join(dir, `${token}.sock`), allowHalfOpen: true });
  let heard = '';
  socket.on('data', (d: Buffer) => (heard += d.toString()));
  socket.end(say);
  await new Promise((resolve) => socket.on('close', resolve));
  return heard;
}

describe('XlMigration', () => {
  let dir: string;
  let xl: FakeXl;
  let driver: XlDriver;
  let events: DomainEventInput[];
  let target: ReturnType<typeof fakeTarget>;
  let peers: { receiveMigration: jest.Mock };
  let tickets: { admit: jest.Mock };
  let migration: XlMigration;
  const socketDir = () => join(dir, 'migrations');
  const req = (over: Partial<MigrateDomainRequest> = {}): MigrateDomainRequest => ({
    vmId: VM,
    targetHostId: TARGET,
    targetAddress: '10.0.0.2:7443',
    live: true,
    epoch: 4,
    ticket: 'the-signed-ticket',
    ...over,
  });
  const ctx = (signal = new AbortController().signal) => ({ signal });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xl-migration-'));
    xl = new FakeXl();
    driver = new XlDriver({ command: xl, workDir: dir, logDir: dir });
    events = [];
    driver.onEvent((e) => events.push(e));
    // a target that answers each data chunk with "ack:<data>" and the end with where the domain landed
    target = fakeTarget((chunk, stream) => {
      if (chunk.eof) {
        stream.push({
          vmId: VM,
          epoch: chunk.epoch,
          data: Buffer.from(JSON.stringify({ domId: 42 })),
          eof: true,
          ticket: '',
        });
        stream.push(null);
      } else if (target.sent.length > 1)
        stream.push({
          vmId: VM,
          epoch: chunk.epoch,
          data: Buffer.from(`ack:${chunk.data.toString()}`),
          eof: false,
          ticket: '',
        });
    });
    peers = {
      receiveMigration: jest.fn(() => target.stream as unknown as ClientDuplexStream<MigrationChunk, MigrationChunk>),
    };
    tickets = { admit: jest.fn() };
    migration = new XlMigration({
      driver,
      command: xl,
      peers,
      tickets,
      socketDir: socketDir(),
      transport: PROGRAM,
      answerTimeoutMs: 2_000,
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('source: migrateOut', () => {
    it('runs xl migrate with the agent transport and relays its bytes both ways to the target', async () => {
      xl.add(NAME);
      let heard = '';
      xl.migrate = async (args) => {
        heard = await playTransport(args, 'guest memory');
        xl.domains = [];
        return { code: 0, stdout: '', stderr: '' };
      };
      const res = await migration.migrateOut(req(), ctx());
      const call = xl.calls.find((c) => c[0] === 'migrate')!;
      expect(call.slice(0, 4)).toEqual(['migrate', '-s', `${PROGRAM.node} ${PROGRAM.script} ${socketDir()}`, NAME]);
      expect(call[4]).toMatch(/^[0-9a-f]{32}$/);
      expect(peers.receiveMigration).toHaveBeenCalledWith(TARGET, '10.0.0.2:7443', expect.any(AbortSignal));
      expect(target.sent[0]).toMatchObject({ vmId: VM, epoch: 4, eof: false, ticket: 'the-signed-ticket' });
      expect(JSON.parse(target.sent[0]!.data.toString())).toEqual({ paused: false, disks: [] });
      expect(bytesOf(target.sent)).toBe('guest memory');
      expect(target.sent.at(-1)!.eof).toBe(true);
      expect(heard).toBe('ack:guest memory');
      expect(res.targetDomId).toBe(42);
      expect(events.map((e) => e.type)).toEqual([DomainEventType.DOMAIN_EVENT_TYPE_MIGRATED_OUT]);
      // the socket lived in a private directory and is gone
      expect(statSync(socketDir()).mode & 0o777).toBe(0o700);
      expect(readdirSync(socketDir())).toEqual([]);
    });

    it("tells the target the paths of the guest's disks (xl carries memory, not disks), each once, only this guest's", async () => {
      const disks = [`/dev/mapper/${NAME}-xvda`, `${dir}/disks/${VM}-xvdb.img`, `${dir}/configs/${VM}-cidata.iso`];
      xl.add(NAME).disks = [...disks, disks[0]!];
      xl.add('xp-other', TARGET).disks = ['/dev/mapper/xp-other-xvda'];
      xl.migrate = async (args) => {
        await playTransport(args, 'guest memory');
        xl.domains = xl.domains.filter((d) => d.uuid !== VM);
        return { code: 0, stdout: '', stderr: '' };
      };
      await migration.migrateOut(req(), ctx());
      expect(JSON.parse(target.sent[0]!.data.toString())).toEqual({ paused: false, disks });
    });

    it('live=false pauses the guest first and counts the whole transfer as downtime', async () => {
      xl.add(NAME);
      xl.migrate = async (args) => {
        expect(xl.domains[0]!.flags).toBe('--p---');
        await playTransport(args, 'x');
        return { code: 0, stdout: '', stderr: '' };
      };
      const res = await migration.migrateOut(req({ live: false }), ctx());
      expect(xl.calls.filter((c) => c[0] !== 'list').map((c) => c[0])).toEqual(['pause', 'migrate']);
      expect(res.downtimeMs).toBeCloseTo(res.transferSeconds * 1000, -1);
      // the owner had not paused it: the target is to run it
      expect(JSON.parse(target.sent[0]!.data.toString())).toEqual({ paused: false, disks: [] });
    });

    it("keeps xl's words and takes the target's code when the target ended the stream with an error", async () => {
      xl.add(NAME);
      target = fakeTarget((_chunk, stream) =>
        stream.destroy(
          Object.assign(new Error('x'), {
            code: Status.RESOURCE_EXHAUSTED,
            details: 'xl migrate-receive failed (exit 1): failed to free memory',
          }),
        ),
      );
      xl.migrate = () =>
        Promise.resolve({ code: 1, stdout: '', stderr: 'migration sender: Target reported an error.\n' });
      const err = (await migration.migrateOut(req({ live: false }), ctx()).catch((e: unknown) => e)) as AgentError;
      expect(err).toBeInstanceOf(AgentError);
      expect(err.code).toBe('resource_exhausted');
      expect(err.message).toMatch(
        /xl migrate failed \(exit 1\): migration sender: Target reported an error\..*target agent: .*failed to free memory/,
      );
      // a cold migration paused the guest: it runs again here
      expect(xl.calls.map((c) => c[0]).filter((c) => c !== 'list')).toEqual(['pause', 'migrate', 'unpause']);
      expect(xl.domains[0]!.flags).toBe('-b----');
      expect(target.stream.cancel).toHaveBeenCalled();
    });

    it("ends xl on the caller's deadline and gives the guest back its name", async () => {
      xl.add(NAME);
      const caller = new AbortController();
      xl.migrate = (_args, opts) =>
        new Promise((resolve) => {
          xl.domains[0]!.name = `${NAME}--migratedaway`; // killed between xl's rename and its cleanup
          opts.signal.addEventListener('abort', () => resolve({ code: 143, stdout: '', stderr: '' }));
          setTimeout(() => caller.abort(new DOMException('deadline', 'TimeoutError')), 20);
        });
      const err = (await migration.migrateOut(req(), ctx(caller.signal)).catch((e: unknown) => e)) as AgentError;
      expect(err.code).toBe('deadline_exceeded');
      expect(xl.calls).toContainEqual(['rename', '1', NAME]);
      expect(xl.domains.map((d) => d.name)).toEqual([NAME]);
      expect(target.stream.cancel).toHaveBeenCalled();
      expect(readdirSync(socketDir())).toEqual([]);
    });

    it('refuses an unknown domain or a bad vm id before starting xl', async () => {
      await expect(migration.migrateOut(req(), ctx())).rejects.toMatchObject({ code: 'not_found' });
      await expect(migration.migrateOut(req({ vmId: 'xp-1; reboot' }), ctx())).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      expect(xl.calls.some((c) => c[0] === 'migrate')).toBe(false);
      expect(peers.receiveMigration).not.toHaveBeenCalled();
    });
  });

  describe('the transport command', () => {
    it('is the fixed helper, the node that runs it and the socket directory', () => {
      expect(transportCommand(PROGRAM, '/var/lib/xenplane-agent/xl/migrations')).toBe(
        `${PROGRAM.node} ${PROGRAM.script} /var/lib/xenplane-agent/xl/migrations`,
      );
    });

    it.each(['/tmp/a b', '/tmp/x;reboot', '/tmp/$(id)', 'relative/dir', "/tmp/'q'"])(
      'refuses a path with shell meaning: %s',
      (bad) => {
        expect(() => transportCommand(PROGRAM, bad)).toThrow(AgentError);
        expect(() => transportCommand({ ...PROGRAM, script: bad }, '/ok')).toThrow(/not usable/);
      },
    );
  });

  describe('error mapping', () => {
    it("keeps xl's code when the target said nothing", () => {
      const e = migrationFailure({ code: 1, stdout: '', stderr: 'xl: error: invalid domain identifier\n' });
      expect(e.code).toBe('not_found');
      expect(e.message).toContain('invalid domain identifier');
    });

    it('says a PV guest cannot live-migrate on a Xen without shadow paging (seen on Debian 4.17)', () => {
      const stderr =
        'xc: error: Failed to enable logdirty: 95,22,0 (22 = Invalid argument): Internal error\nmigration sender: libxl_domain_suspend failed (rc=-8)\n';
      const e = migrationFailure(
        { code: 1, stdout: '', stderr },
        { code: Status.INTERNAL, details: 'xl migrate-receive failed (exit 1): Domain creation failed' },
      );
      expect(e.code).toBe('failed_precondition');
      expect(e.message).toMatch(/Failed to enable logdirty.*shadow paging/);
    });

    it("keeps xl's code when the target's is not telling (cancelled, unknown)", () => {
      const e = migrationFailure(
        { code: 1, stdout: '', stderr: 'migration sender: eof\n' },
        { code: Status.CANCELLED, details: 'cancelled' },
      );
      expect(e.code).toBe('internal');
      expect(e.message).toMatch(/migration sender: eof; target agent: cancelled/);
    });
  });

  describe('target: receive', () => {
    /** The server end of ReceiveMigration: what the source sends, what we answered, how it ended. */
    function incoming(chunks: MigrationChunk[], san = `URI:${hostUri(randomUUID())}`) {
      const written: MigrationChunk[] = [];
      const call = new Duplex({
        objectMode: true,
        read() {},
        write(chunk: MigrationChunk, _enc, cb) {
          written.push(chunk);
          cb();
        },
      }) as Duplex & { getAuthContext(): unknown };
      call.getAuthContext = () => ({ sslPeerCertificate: { subjectaltname: san } });
      const ended = new Promise<{ code: number; details: string } | 'ok'>((resolve) => {
        call.on('error', (e: { code: number; details: string }) => resolve(e));
        call.on('finish', () => resolve('ok'));
      });
      for (const c of chunks) call.push(c);
      return { call: call as unknown as ServerDuplexStream<MigrationChunk, MigrationChunk>, raw: call, written, ended };
    }
    const chunk = (data: string, eof = false): MigrationChunk => ({
      vmId: VM,
      epoch: 5,
      data: Buffer.from(data),
      eof,
      ticket: '',
    });
    const offer = (paused = false) => chunk(JSON.stringify({ paused }));
    const readAll = async (s: PassThrough) => {
      let text = '';
      for await (const c of s) text += (c as Buffer).toString();
      return text;
    };

    it('feeds the stream to xl migrate-receive, relays its answers and reports the new domain', async () => {
      let got = '';
      xl.receive = async ({ stdin, stdout }) => {
        stdout.write('banner');
        got = await readAll(stdin);
        xl.add(NAME);
        stdout.end('report');
        return { code: 0, stdout: '', stderr: '' };
      };
      const c = incoming([offer(), chunk('abc'), chunk('def'), chunk('', true)]);
      migration.receive(c.call);
      expect(await c.ended).toBe('ok');
      expect(got).toBe('abcdef');
      expect(xl.calls).toContainEqual(['migrate-receive']);
      const last = c.written.at(-1)!;
      expect(last.eof).toBe(true);
      expect(JSON.parse(last.data.toString())).toEqual({ domId: 1 });
      expect(Buffer.concat(c.written.slice(0, -1).map((w) => w.data)).toString()).toBe('bannerreport');
      expect(driver.epochOf(VM)).toBe(5);
      expect(events.map((e) => e.type)).toEqual([DomainEventType.DOMAIN_EVENT_TYPE_MIGRATED_IN]);
    });

    it('keeps a guest its owner had paused paused (-p)', async () => {
      xl.receive = async ({ stdin }) => {
        await readAll(stdin);
        xl.add(NAME, VM, '--p---');
        return { code: 0, stdout: '', stderr: '' };
      };
      const c = incoming([offer(true), chunk('', true)]);
      migration.receive(c.call);
      expect(await c.ended).toBe('ok');
      expect(xl.calls).toContainEqual(['migrate-receive', '-p']);
    });

    it("destroys the domain a failed migrate-receive left, never the source's own (localhost), and ends the stream with xl's error", async () => {
      const source = xl.add(`${NAME}--migratedaway`); // migrating to itself: the source's copy is here too
      xl.receive = async ({ stdin }) => {
        xl.add(`${NAME}--incoming`);
        await readAll(stdin);
        return { code: 1, stdout: '', stderr: 'libxl: error: libxl_create.c: failed to free memory for the domain\n' };
      };
      const c = incoming([offer(), chunk('abc'), chunk('', true)]);
      migration.receive(c.call);
      const end = await c.ended;
      expect(end).toMatchObject({
        code: Status.RESOURCE_EXHAUSTED,
        details: expect.stringContaining('failed to free memory'),
      });
      expect(xl.domains).toEqual([source]);
      expect(xl.calls).toContainEqual(['destroy', '2']);
    });

    it('ends migrate-receive when the source goes away, and leaves nothing', async () => {
      xl.receive = ({ signal }) => {
        xl.add(`${NAME}--incoming`);
        return new Promise((resolve) =>
          signal.addEventListener('abort', () => resolve({ code: 143, stdout: '', stderr: '' })),
        );
      };
      const c = incoming([offer(), chunk('abc')]);
      migration.receive(c.call);
      // migrate-receive is running (it made the incoming domain) when the source goes away
      await waitFor(
        'migrate-receive running',
        async () => (xl.domains.some((d) => d.name === `${NAME}--incoming`) ? true : undefined),
        { timeoutMs: 5_000, intervalMs: 5 },
      );
      c.raw.emit('cancelled');
      expect(await c.ended).toMatchObject({ code: Status.CANCELLED });
      expect(xl.domains).toEqual([]);
    });

    it('refuses a guest whose disks are not on this host (local storage stays behind) before running xl, naming them', async () => {
      const here = join(dir, 'here.img');
      writeFileSync(here, '');
      const away = `/dev/mapper/${NAME}-xvda`;
      const c = incoming([chunk(JSON.stringify({ paused: false, disks: [here, away] })), chunk('abc')]);
      migration.receive(c.call);
      expect(await c.ended).toMatchObject({
        code: Status.FAILED_PRECONDITION,
        details: expect.stringContaining(`not on this host (${away})`),
      });
      expect(xl.calls).toEqual([]);
      expect(xl.domains).toEqual([]);
    });

    it('takes a guest whose disks are all here (the same host, or storage both hosts see)', async () => {
      const here = join(dir, 'here.img');
      writeFileSync(here, '');
      xl.receive = async ({ stdin }) => {
        await readAll(stdin);
        xl.add(NAME);
        return { code: 0, stdout: '', stderr: '' };
      };
      const c = incoming([chunk(JSON.stringify({ paused: false, disks: [here] })), chunk('abc'), chunk('', true)]);
      migration.receive(c.call);
      expect(await c.ended).toBe('ok');
      expect(xl.calls).toContainEqual(['migrate-receive']);
    });

    it('refuses anyone but a host of our CA before running xl', async () => {
      const c = incoming([offer()], `URI:${CONTROL_PLANE_URI}`);
      migration.receive(c.call);
      expect(await c.ended).toMatchObject({ code: Status.PERMISSION_DENIED });
      expect(xl.calls).toEqual([]);
    });

    it('refuses a stream the control plane did not ask for (its ticket checked against the calling host) before running xl', async () => {
      const source = randomUUID();
      tickets.admit.mockImplementation(() => {
        throw new AgentError(
          'permission_denied',
          'no migration ticket: the control plane did not ask for this migration',
        );
      });
      const c = incoming([{ ...offer(), ticket: '' }], `URI:${hostUri(source)}`);
      migration.receive(c.call);
      expect(await c.ended).toMatchObject({
        code: Status.PERMISSION_DENIED,
        details: expect.stringContaining('did not ask'),
      });
      expect(tickets.admit).toHaveBeenCalledWith(source, expect.objectContaining({ vmId: VM, ticket: '' }));
      expect(xl.calls).toEqual([]);
    });

    it('refuses a first chunk that names no VM', async () => {
      const c = incoming([{ ...offer(), vmId: '../etc' }]);
      migration.receive(c.call);
      expect(await c.ended).toMatchObject({ code: Status.INVALID_ARGUMENT });
      expect(xl.calls).toEqual([]);
    });
  });
});
