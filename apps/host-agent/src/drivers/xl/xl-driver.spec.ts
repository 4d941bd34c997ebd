import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DomainSpec, DomainEventType, DomainState, GuestType, LifecycleAction } from '@xenplane/proto';
import type { CallContext, DomainEventInput } from '../driver';
import type { CommandResult, RunOptions, XlCommand } from './command';
import { FakeDom0 } from '../../storage/fake-dom0';
import { XlDriver } from './xl-driver';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER_VM = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const NAME = `xp-${VM}`;
const GiB = 1024 ** 3;

interface FakeDomain {
  domId: number;
  name: string;
  uuid: string;
  type: string;
  memMb: number;
  maxMemMb: number;
  vcpus: number;
  maxVcpus: number;
  flags: string;
  cpuTime: number;
}

const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });

/**
 * `xl` as a small in-memory host: answers list, list -l and info in xl's own formats, and
 * create, shutdown, destroy and the tuning commands by changing its domains. Every argument
 * array it is given is recorded.
 */
class FakeXl implements XlCommand {
  readonly runs: { args: string[]; opts: RunOptions }[] = [];
  readonly domains: FakeDomain[] = [];
  /** a canned answer for a subcommand, in place of the model */
  readonly answers = new Map<string, CommandResult>();
  /** whether guests honour `xl shutdown` */
  guestsObeyShutdown = true;
  info: Record<string, string> = {
    host: 'xen-07',
    release: '6.1.0-18-amd64',
    xen_major: '4',
    xen_minor: '17',
    xen_extra: '.3-pre',
    xen_version: '4.17.3-pre',
    xen_caps: 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64',
    xen_scheduler: 'credit2',
    nr_cpus: '8',
    max_cpu_id: '7',
    nr_nodes: '1',
    cores_per_socket: '4',
    threads_per_core: '2',
    cpu_mhz: '2893.202',
    hw_caps: '00000003:00000001:00000000',
    virt_caps: 'pv hvm hvm_directio pv_directio hap shadow',
    total_memory: '16384',
    free_memory: '12000',
    xen_commandline: 'placeholder dom0_mem=512M,max:512M',
  };
  private nextDomId = 1;

  run(args: readonly string[], opts: RunOptions): Promise<CommandResult> {
    expect(Array.isArray(args)).toBe(true);
    this.runs.push({ args: [...args], opts });
    return Promise.resolve(this.answers.get(args[0]!) ?? this.answer(args));
  }

  get calls(): string[][] {
    return this.runs.map((r) => r.args);
  }

  /** Calls that change something: everything but list and info. */
  get changes(): string[][] {
    return this.calls.filter(([cmd]) => cmd !== 'list' && cmd !== 'info');
  }

  add(d: Partial<FakeDomain> & Pick<FakeDomain, 'name' | 'uuid'>): FakeDomain {
    const dom: FakeDomain = {
      domId: this.nextDomId++,
      type: 'pv',
      memMb: 128,
      maxMemMb: 128,
      vcpus: 1,
      maxVcpus: 1,
      flags: '-b----',
      cpuTime: 0.4,
      ...d,
    };
    this.domains.push(dom);
    return dom;
  }

  private byName(name: string | undefined): FakeDomain | undefined {
    return this.domains.find((d) => d.name === name);
  }

  private answer(args: readonly string[]): CommandResult {
    const [cmd, ...rest] = args;
    switch (cmd) {
      case 'info':
        return ok(
          Object.entries(this.info)
            .map(([k, v]) => `${k.padEnd(23)}: ${v}`)
            .join('\n') + '\n',
        );
      case 'list':
        return ok(rest[0] === '-l' ? this.listLong() : this.list());
      case 'create':
        return this.create(rest.at(-1)!, rest.includes('-p'));
      case 'shutdown': {
        const dom = this.byName(rest.at(-1));
        if (!dom) return this.noSuch(rest.at(-1));
        // a guest that ignores the request keeps xl waiting until the agent's timeout kills it
        if (!this.guestsObeyShutdown)
          return { code: 128, stdout: '', stderr: `Shutting down domain ${dom.domId}\nWaiting for 1 domains\n` };
        this.remove(dom);
        return ok();
      }
      case 'destroy': {
        const dom = this.byName(rest[0]);
        if (!dom) return this.noSuch(rest[0]);
        this.remove(dom);
        return ok();
      }
      case 'mem-set': {
        const dom = this.byName(rest[0]);
        if (!dom) return this.noSuch(rest[0]);
        dom.memMb = Number.parseInt(rest[1]!, 10);
        return ok();
      }
      case 'vcpu-set': {
        const dom = this.byName(rest[0]);
        if (!dom) return this.noSuch(rest[0]);
        dom.vcpus = Number(rest[1]);
        return ok();
      }
      case 'vcpu-pin':
      case 'pause':
      case 'unpause':
        return this.byName(rest[0]) ? ok() : this.noSuch(rest[0]);
      default:
        return { code: 1, stdout: '', stderr: `xl: unknown command ${cmd}` };
    }
  }

  private list(): string {
    const row = (name: string, id: number, mem: number, vcpus: number, flags: string, time: number) =>
      `${name.padEnd(40)}${String(id).padStart(6)}${String(mem).padStart(6)}${String(vcpus).padStart(6)}     ${flags}${time.toFixed(1).padStart(10)}`;
    return (
      [
        'Name                                        ID   Mem VCPUs\tState\tTime(s)',
        row('Domain-0', 0, 512, 1, 'r-----', 12.3),
        ...this.domains.map((d) => row(d.name, d.domId, d.memMb, d.vcpus, d.flags, d.cpuTime)),
      ].join('\n') + '\n'
    );
  }

  private listLong(): string {
    const dom0 = {
      domid: 0,
      config: {
        c_info: { name: 'Domain-0', uuid: '00000000-0000-0000-0000-000000000000', type: 'pv' },
        b_info: { max_memkb: 524288, target_memkb: 524288, max_vcpus: 1 },
      },
    };
    const guests = this.domains.map((d) => ({
      domid: d.domId,
      config: {
        c_info: { name: d.name, uuid: d.uuid, type: d.type },
        b_info: { max_memkb: d.maxMemMb * 1024, target_memkb: d.memMb * 1024, max_vcpus: d.maxVcpus },
      },
    }));
    return JSON.stringify([dom0, ...guests], null, 4);
  }

  private create(file: string, paused: boolean): CommandResult {
    const cfg = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => / = /.test(l) && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3).replace(/^"(.*)"$/, '$1')]),
    );
    if (this.byName(cfg['name']))
      return { code: 1, stdout: '', stderr: `libxl: error: domain with name "${cfg['name']}" already exists` };
    this.add({
      name: cfg['name']!,
      uuid: cfg['uuid']!,
      type: cfg['type']!,
      memMb: Number(cfg['memory']),
      maxMemMb: Number(cfg['maxmem']),
      vcpus: Number(cfg['vcpus']),
      maxVcpus: Number(cfg['maxvcpus']),
      flags: paused ? '--p---' : '-b----',
      cpuTime: 0,
    });
    return { code: 0, stdout: '', stderr: `Parsing config from ${file}\n` };
  }

  private remove(dom: FakeDomain): void {
    this.domains.splice(this.domains.indexOf(dom), 1);
  }

  private noSuch(name: string | undefined): CommandResult {
    return { code: 1, stdout: '', stderr: `${name} is an invalid domain identifier (rc=-6)\n` };
  }
}

function pvSpec(edit: (s: DomainSpec) => void = () => undefined): DomainSpec {
  const s: DomainSpec = {
    vmId: VM,
    name: 'web-1',
    guestType: GuestType.GUEST_TYPE_PV,
    vcpus: 1,
    maxVcpus: 2,
    memoryMb: 128,
    maxMemoryMb: 256,
    cpus: '',
    boot: {
      kernel: '/var/lib/xenplane/images/vmlinuz',
      ramdisk: '',
      cmdline: 'console=hvc0',
      bootloader: '',
      hvmBoot: '',
      serial: '',
      vnc: false,
    },
    disks: [
      {
        target: '',
        format: 'raw',
        vdev: 'xvda',
        access: 'rw',
        sizeGb: 2,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      },
    ],
    vifs: [{ mac: '00:16:3e:12:34:56', bridge: 'xenbr0', rate: '', model: '', ip: '' }],
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch: 7,
    cloudInit: undefined,
  };
  edit(s);
  return s;
}

const ctx = (): CallContext => ({ signal: new AbortController().signal });

let dir: string;
let work: string;
let xl: FakeXl;
let driver: XlDriver;
let events: DomainEventInput[];

const configFile = (vmId = VM) => join(work, 'configs', `${vmId}.cfg`);
const diskFile = (vmId = VM, vdev = 'xvda') => join(work, 'disks', `${vmId}-${vdev}.img`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xl-driver-spec-'));
  work = join(dir, 'work');
  xl = new FakeXl();
  driver = new XlDriver({
    command: xl,
    workDir: work,
    logDir: join(dir, 'log'),
    readCpuinfo: () => 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n',
  });
  events = [];
  driver.onEvent((e) => events.push(e));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('XlDriver.createDomain', () => {
  it('writes the config under workDir/configs and runs exactly xl create <file>', async () => {
    const dom = await driver.createDomain(pvSpec(), false, ctx());

    expect(readFileSync(configFile(), 'utf8')).toContain(`name = "${NAME}"\nuuid = "${VM}"\n`);
    expect(xl.changes).toEqual([['create', configFile()]]);
    expect(dom).toMatchObject({
      vmId: VM,
      name: NAME,
      domId: 1,
      state: DomainState.DOMAIN_STATE_BLOCKED,
      guestType: GuestType.GUEST_TYPE_PV,
    });
    expect(dom).toMatchObject({ memoryMb: 128, maxMemoryMb: 256, vcpus: 1, maxVcpus: 2, epoch: 7 });
  });

  it('gives xl the subcommand and each value as separate arguments, never a command line', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    expect(xl.calls).toEqual([['list'], ['list', '-l'], ['create', configFile()], ['list'], ['list', '-l']]);
  });

  it('starts a paused domain with xl create -p <file>', async () => {
    const dom = await driver.createDomain(pvSpec(), true, ctx());
    expect(xl.changes).toEqual([['create', '-p', configFile()]]);
    expect(dom.state).toBe(DomainState.DOMAIN_STATE_PAUSED);
  });

  it('reports created then running, or only created when paused', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    await driver.createDomain(
      pvSpec((s) => (s.vmId = OTHER_VM)),
      true,
      ctx(),
    );
    expect(events.map((e) => [e.vmId, e.type])).toEqual([
      [VM, DomainEventType.DOMAIN_EVENT_TYPE_CREATED],
      [VM, DomainEventType.DOMAIN_EVENT_TYPE_RUNNING],
      [OTHER_VM, DomainEventType.DOMAIN_EVENT_TYPE_CREATED],
    ]);
  });

  it('returns the existing domain for a repeated create without running xl create again', async () => {
    const first = await driver.createDomain(pvSpec(), false, ctx());
    const again = await driver.createDomain(pvSpec(), false, ctx());
    expect(again).toEqual(first);
    expect(xl.changes).toEqual([['create', configFile()]]);
  });

  it('destroys the domain a failed create left half made, so that a retry can create it', async () => {
    // xl killed by the caller's deadline after libxl had made the domain (seen on Xen 4.17 under load)
    xl.run = jest
      .fn(function (this: FakeXl, args: readonly string[], opts: RunOptions) {
        if (args[0] !== 'create') return FakeXl.prototype.run.call(this, args, opts);
        this.runs.push({ args: [...args], opts });
        this.add({ name: `xp-${VM}`, uuid: VM, flags: '--p---' });
        return Promise.resolve({ code: 128, stdout: '', stderr: 'xc: error: panic: xc_dom_do_gunzip: inflate failed' });
      })
      .bind(xl);
    const aborted = new AbortController();
    aborted.abort();
    await expect(driver.createDomain(pvSpec(), false, { signal: aborted.signal })).rejects.toMatchObject({
      message: expect.stringMatching(/xl create failed/),
    });
    expect(xl.changes).toEqual([
      ['create', configFile()],
      ['destroy', `xp-${VM}`],
    ]);
    expect(xl.domains).toEqual([]);
    // the cleanup ran on a deadline of its own: the call's was over
    expect(xl.runs.at(-1)!.opts.signal?.aborted).toBe(false);
  });

  it('leaves other domains alone when a create fails before making its own', async () => {
    xl.add({ name: 'xp-other', uuid: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    xl.answers.set('create', { code: 1, stdout: '', stderr: 'libxl: error: cannot make domain: -6' });
    await expect(driver.createDomain(pvSpec(), false, ctx())).rejects.toBeDefined();
    expect(xl.changes).toEqual([['create', configFile()]]);
    expect(xl.domains.map((d) => d.name)).toEqual(['xp-other']);
  });

  it('refuses an invalid spec with invalid_argument, running no xl create and writing nothing', async () => {
    await expect(
      driver.createDomain(
        pvSpec((s) => (s.boot!.kernel = '/boot/vmlinuz"\nmemory = 999999')),
        false,
        ctx(),
      ),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/^boot\.kernel: /),
    });
    expect(xl.changes).toEqual([]);
    expect(readdirSync(join(work, 'configs'))).toEqual([]);
    expect(readdirSync(join(work, 'disks'))).toEqual([]);
  });

  // with xl hung or failing, a bad spec must still be answered invalid_argument
  it('refuses an invalid spec before running any xl command', async () => {
    await expect(
      driver.createDomain(
        pvSpec((s) => (s.vcpus = 0)),
        false,
        ctx(),
      ),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(xl.calls).toEqual([]);
  });

  it('allocates a sparse disk file of the asked size and points the config at it', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    const st = statSync(diskFile());
    expect(st.size).toBe(2 * GiB);
    expect(st.blocks * 512).toBeLessThan(1024 * 1024);
    expect(st.mode & 0o777).toBe(0o600);
    expect(readFileSync(configFile(), 'utf8')).toContain(
      `disk = [ 'format=raw, vdev=xvda, access=rw, target=${diskFile()}' ]`,
    );
  });

  it('uses a disk target given in the spec and allocates nothing', async () => {
    await driver.createDomain(
      pvSpec(
        (s) =>
          (s.disks = [
            {
              target: '/srv/xen/root.img',
              format: 'raw',
              vdev: 'xvda',
              access: 'ro',
              sizeGb: 0,
              imageId: '',
              sharedDevice: '',
              sharedOffsetBytes: 0,
            },
          ]),
      ),
      false,
      ctx(),
    );
    expect(readdirSync(join(work, 'disks'))).toEqual([]);
    expect(readFileSync(configFile(), 'utf8')).toContain(
      "disk = [ 'format=raw, vdev=xvda, access=ro, target=/srv/xen/root.img' ]",
    );
  });

  // an allocated disk is a blank raw file: declaring it qcow2 would make the backend fail to open it
  it('declares an allocated blank disk in a format its file really has', async () => {
    await driver.createDomain(
      pvSpec((s) => (s.disks[0]!.format = 'qcow2')),
      false,
      ctx(),
    );
    const head = Buffer.alloc(4);
    const fd = openSync(diskFile(), 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    const qcow2Magic = head.toString('latin1') === 'QFI\xfb';
    const declared = /format=(\w+), vdev=xvda/.exec(readFileSync(configFile(), 'utf8'))?.[1];
    expect(declared).toBe(qcow2Magic ? 'qcow2' : 'raw');
  });

  it('records the spec epoch and keeps it across a restart of the agent', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    expect(driver.epochOf(VM)).toBe(7);
    const restarted = new XlDriver({ command: xl, workDir: work, logDir: join(dir, 'log') });
    expect(restarted.epochOf(VM)).toBe(7);
  });

  it('surfaces an xl create failure with its mapped code and xl words', async () => {
    xl.answers.set('create', {
      code: 1,
      stdout: '',
      stderr: `Parsing config from ${configFile()}\nfailed to free memory for the domain\n`,
    });
    await expect(driver.createDomain(pvSpec(), false, ctx())).rejects.toMatchObject({
      code: 'resource_exhausted',
      message: expect.stringMatching(/^xl create failed \(exit 1\): .*failed to free memory for the domain$/),
    });
  });
});

describe('XlDriver.shutdownDomain', () => {
  beforeEach(async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    xl.runs.length = 0;
  });

  it('asks the guest with xl shutdown -w xp-<id>, bounded by the timeout', async () => {
    await expect(driver.shutdownDomain(VM, 30, true, ctx())).resolves.toEqual({ forced: false, existed: true });
    expect(xl.changes).toEqual([['shutdown', '-w', NAME]]);
    expect(xl.runs.find((r) => r.args[0] === 'shutdown')?.opts.timeoutMs).toBe(30_000);
    expect(events.at(-1)).toMatchObject({
      vmId: VM,
      type: DomainEventType.DOMAIN_EVENT_TYPE_SHUTDOWN,
      reason: 'poweroff',
    });
  });

  it('destroys a guest that does not go when force is set', async () => {
    xl.guestsObeyShutdown = false;
    await expect(driver.shutdownDomain(VM, 5, true, ctx())).resolves.toEqual({ forced: true, existed: true });
    expect(xl.changes).toEqual([
      ['shutdown', '-w', NAME],
      ['destroy', NAME],
    ]);
    expect(xl.domains).toEqual([]);
  });

  it('throws deadline_exceeded and leaves the guest running when force is not set', async () => {
    xl.guestsObeyShutdown = false;
    await expect(driver.shutdownDomain(VM, 5, false, ctx())).rejects.toMatchObject({ code: 'deadline_exceeded' });
    expect(xl.changes).toEqual([['shutdown', '-w', NAME]]);
    expect(xl.domains.map((d) => d.name)).toEqual([NAME]);
  });

  it('reports a VM with no domain as not existing and asks nothing', async () => {
    await expect(driver.shutdownDomain(OTHER_VM, 5, true, ctx())).resolves.toEqual({ forced: false, existed: false });
    expect(xl.changes).toEqual([]);
  });
});

describe('XlDriver.destroyDomain', () => {
  it('is ok for a VM with no domain and runs no xl destroy', async () => {
    await expect(driver.destroyDomain(VM, ctx())).resolves.toEqual({ existed: false });
    expect(xl.changes).toEqual([]);
  });

  it('destroys the domain with xl destroy xp-<id>', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    await expect(driver.destroyDomain(VM, ctx())).resolves.toEqual({ existed: true });
    expect(xl.changes.at(-1)).toEqual(['destroy', NAME]);
    expect(await driver.listDomains(ctx())).toEqual([]);
    expect(events.at(-1)).toMatchObject({ vmId: VM, type: DomainEventType.DOMAIN_EVENT_TYPE_DESTROYED });
  });

  it('treats a domain that vanished before xl destroy ran as destroyed', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    xl.answers.set('destroy', { code: 1, stdout: '', stderr: `${NAME} is an invalid domain identifier (rc=-6)\n` });
    await expect(driver.destroyDomain(VM, ctx())).resolves.toEqual({ existed: true });
  });

  it('counts a destroy that failed on a domain tearing itself down as done, once the domain is gone', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    // as recorded on the real Xen when a guest's own poweroff raced the destroy
    const stderr =
      'libxl: error: libxl_device.c:1261:device_hotplug: Domain 1:unable to get args/env to execute hotplug script for device /local/domain/0/backend/vif/1/0\nlibxl: error: libxl_domain.c:1137:domain_destroy_callback: Domain 1:Unable to destroy guest\n';
    const run = xl.run.bind(xl);
    jest.spyOn(xl, 'run').mockImplementation((args, opts) => {
      if (args[0] !== 'destroy') return run(args, opts);
      xl.domains.length = 0;
      return Promise.resolve({ code: 1, stdout: '', stderr });
    });
    await expect(driver.destroyDomain(VM, ctx())).resolves.toEqual({ existed: true });
  });

  it('surfaces any other xl destroy failure', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    xl.answers.set('destroy', {
      code: 1,
      stdout: '',
      stderr: 'libxl: error: libxl_domain.c:1137:domain_destroy_callback: Domain 1:Unable to destroy guest\n',
    });
    await expect(driver.destroyDomain(VM, ctx())).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('Unable to destroy guest'),
    });
  });

  it('keeps the disks and config without purgeStorage', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    await driver.destroyDomain(VM, ctx());
    expect(existsSync(diskFile())).toBe(true);
    expect(existsSync(configFile())).toBe(true);
  });

  it("removes the VM's allocated disks and config with purgeStorage, and only that VM's", async () => {
    await driver.createDomain(
      pvSpec((s) =>
        s.disks.push({
          target: '',
          format: 'raw',
          vdev: 'xvdb',
          access: 'rw',
          sizeGb: 1,
          imageId: '',
          sharedDevice: '',
          sharedOffsetBytes: 0,
        }),
      ),
      false,
      ctx(),
    );
    await driver.createDomain(
      pvSpec((s) => (s.vmId = OTHER_VM)),
      false,
      ctx(),
    );

    await expect(driver.destroyDomain(VM, ctx(), true)).resolves.toEqual({ existed: true });

    expect(existsSync(diskFile(VM, 'xvda'))).toBe(false);
    expect(existsSync(diskFile(VM, 'xvdb'))).toBe(false);
    expect(existsSync(configFile(VM))).toBe(false);
    expect(driver.epochOf(VM)).toBe(0);
    expect(existsSync(diskFile(OTHER_VM))).toBe(true);
    expect(existsSync(configFile(OTHER_VM))).toBe(true);
  });

  it('purges the disks of a VM whose domain is already gone', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    xl.domains.length = 0;
    await expect(driver.destroyDomain(VM, ctx(), true)).resolves.toEqual({ existed: false });
    expect(existsSync(diskFile())).toBe(false);
  });

  // purge() names files by VM id: a prefix of one (DestroyDomain for "6") must purge nothing
  it("never purges another VM's disks for an id that is a prefix of that VM's id", async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    await expect(driver.destroyDomain(VM.slice(0, 1), ctx(), true)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(existsSync(diskFile())).toBe(true);
    expect(existsSync(configFile())).toBe(true);
  });
});

describe('XlDriver.setMemory', () => {
  beforeEach(async () => {
    await driver.createDomain(pvSpec(), false, ctx());
  });

  it('sets the target with xl mem-set xp-<id> <n>m', async () => {
    const dom = await driver.setMemory(VM, 200, ctx());
    expect(xl.changes.at(-1)).toEqual(['mem-set', NAME, '200m']);
    expect(dom.memoryMb).toBe(200);
    expect(events.at(-1)).toMatchObject({ vmId: VM, type: DomainEventType.DOMAIN_EVENT_TYPE_MEMORY_CHANGED });
  });

  it.each([
    ['above maxmem', 257],
    ['below 16 MB', 15],
    ['fractional', 100.5],
  ])('refuses an amount %s with invalid_argument and runs no mem-set', async (_why, memoryMb) => {
    await expect(driver.setMemory(VM, memoryMb, ctx())).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(xl.changes).toEqual([['create', configFile()]]);
  });

  it('is not_found for a VM with no domain', async () => {
    await expect(driver.setMemory(OTHER_VM, 64, ctx())).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('XlDriver.setVcpus', () => {
  it('sets vcpus up to maxvcpus and refuses more', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    await expect(driver.setVcpus(VM, 2, ctx())).resolves.toMatchObject({ vcpus: 2 });
    expect(xl.changes.at(-1)).toEqual(['vcpu-set', NAME, '2']);
    await expect(driver.setVcpus(VM, 3, ctx())).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(driver.setVcpus(VM, 0, ctx())).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(xl.changes.filter(([c]) => c === 'vcpu-set')).toHaveLength(1);
  });
});

describe('XlDriver.pinVcpu', () => {
  beforeEach(async () => {
    await driver.createDomain(pvSpec(), false, ctx());
  });

  it('pins one vcpu with xl vcpu-pin xp-<id> <vcpu> <cpus>', async () => {
    await driver.pinVcpu(VM, 0, '0-3,6', ctx());
    expect(xl.changes.at(-1)).toEqual(['vcpu-pin', NAME, '0', '0-3,6']);
  });

  it('pins all vcpus for vcpu -1', async () => {
    await driver.pinVcpu(VM, -1, 'all', ctx());
    expect(xl.changes.at(-1)).toEqual(['vcpu-pin', NAME, 'all', 'all']);
  });

  it.each(['', '0;reboot', '0-3 6', 'cpu0', '"all"', '0,,1', '0-3\n'])(
    'refuses the cpu list %j with invalid_argument',
    async (cpus) => {
      await expect(driver.pinVcpu(VM, 0, cpus, ctx())).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(xl.changes.filter(([c]) => c === 'vcpu-pin')).toEqual([]);
    },
  );

  it.each([-2, 0.5])('refuses the vcpu %p with invalid_argument', async (vcpu) => {
    await expect(driver.pinVcpu(VM, vcpu, '0', ctx())).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(xl.changes.filter(([c]) => c === 'vcpu-pin')).toEqual([]);
  });

  it('is not_found for a VM with no domain', async () => {
    await expect(driver.pinVcpu(OTHER_VM, 0, '0', ctx())).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('XlDriver.listDomains', () => {
  it('lists only domains named xp-<their own uuid>', async () => {
    xl.add({
      name: NAME,
      uuid: VM,
      type: 'pvh',
      memMb: 256,
      maxMemMb: 512,
      vcpus: 2,
      maxVcpus: 4,
      flags: 'r-----',
      cpuTime: 42.5,
    });
    xl.add({ name: 'legacy-web', uuid: OTHER_VM });
    xl.add({ name: `xp-${OTHER_VM}`, uuid: '11111111-2222-4333-8444-555555555555' });

    expect(await driver.listDomains(ctx())).toEqual([
      {
        vmId: VM,
        name: NAME,
        domId: 1,
        state: DomainState.DOMAIN_STATE_RUNNING,
        guestType: GuestType.GUEST_TYPE_PVH,
        memoryMb: 256,
        maxMemoryMb: 512,
        vcpus: 2,
        maxVcpus: 4,
        cpuTimeSeconds: 42.5,
        epoch: 0,
        startedAt: undefined,
        vifs: [],
      },
    ]);
  });

  it('reads state from the xl list flags', async () => {
    const states: [string, DomainState][] = [
      ['r-----', DomainState.DOMAIN_STATE_RUNNING],
      ['-b----', DomainState.DOMAIN_STATE_BLOCKED],
      ['--p---', DomainState.DOMAIN_STATE_PAUSED],
      ['---s--', DomainState.DOMAIN_STATE_SHUTDOWN],
      ['----c-', DomainState.DOMAIN_STATE_CRASHED],
      ['-----d', DomainState.DOMAIN_STATE_DYING],
    ];
    const ids = [
      '10000000-0000-4000-8000-000000000000',
      '20000000-0000-4000-8000-000000000000',
      '30000000-0000-4000-8000-000000000000',
      '40000000-0000-4000-8000-000000000000',
      '50000000-0000-4000-8000-000000000000',
      '60000000-0000-4000-8000-000000000000',
    ];
    states.forEach(([flags], i) => xl.add({ name: `xp-${ids[i]}`, uuid: ids[i]!, flags }));
    expect((await driver.listDomains(ctx())).map((d) => d.state)).toEqual(states.map(([, s]) => s));
  });

  it('getDomain is not_found for a VM with no domain', async () => {
    await expect(driver.getDomain(VM, ctx())).rejects.toMatchObject({
      code: 'not_found',
      message: `no domain for vm ${VM}`,
    });
  });
});

describe('XlDriver.hostInfo', () => {
  it('maps xl info to the host inventory', async () => {
    xl.add({ name: NAME, uuid: VM, memMb: 128 });
    const info = await driver.hostInfo(ctx());
    expect(info).toMatchObject({
      hostname: 'xen-07',
      xenVersion: '4.17.3-pre',
      nrCpus: 8,
      coresPerSocket: 4,
      threadsPerCore: 2,
      nrNodes: 1,
      totalMemoryMb: 16384,
      freeMemoryMb: 12000,
      // what is neither free nor a guest's, plus 2% headroom
      dom0MemoryMb: 16384 - 12000 - 128 + Math.ceil(16384 * 0.02),
      dom0Vcpus: 1,
      cpuVendor: 'GenuineIntel',
      cpuFeatures: ['w0b0', 'w0b1', 'w1b0'],
      hvm: true,
      hap: true,
      xenCaps: 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64',
      xenScheduler: 'credit2',
    });
    expect(info.totalDiskGb).toBeGreaterThanOrEqual(info.freeDiskGb);
    expect(xl.changes).toEqual([]);
  });

  it('reports no hvm and no hap when virt_caps lacks them', async () => {
    xl.info['virt_caps'] = 'pv pv_directio hvm_directio';
    await expect(driver.hostInfo(ctx())).resolves.toMatchObject({ hvm: false, hap: false });
  });

  it('reports hvm without hap on a host that only shadows', async () => {
    xl.info['virt_caps'] = 'pv hvm hvm_directio shadow';
    await expect(driver.hostInfo(ctx())).resolves.toMatchObject({ hvm: true, hap: false });
  });

  it('decodes every hw_caps word bit by bit', async () => {
    xl.info['hw_caps'] = '80000000:00000000:00000005';
    await expect(driver.hostInfo(ctx())).resolves.toMatchObject({ cpuFeatures: ['w0b31', 'w2b0', 'w2b2'] });
  });

  it('takes the vendor from the injected cpuinfo', async () => {
    const amd = new XlDriver({
      command: xl,
      workDir: work,
      logDir: join(dir, 'log'),
      readCpuinfo: () => 'processor\t: 0\nvendor_id\t: AuthenticAMD\n',
    });
    await expect(amd.hostInfo(ctx())).resolves.toMatchObject({ cpuVendor: 'AuthenticAMD' });
  });

  it('surfaces an xl info failure with its mapped code', async () => {
    xl.answers.set('info', {
      code: 1,
      stdout: '',
      stderr: 'libxl: error: libxl.c:101: xc_physinfo failed: timed out\n',
    });
    await expect(driver.hostInfo(ctx())).rejects.toMatchObject({
      code: 'deadline_exceeded',
      message: expect.stringContaining('xl info failed (exit 1)'),
    });
  });
});

describe('XlDriver work directory', () => {
  it('makes the storage layout and saves under workDir', () => {
    expect(readdirSync(work).sort()).toEqual(['configs', 'disks', 'images', 'saves', 'snapshots']);
  });

  it('reads epochs another instance wrote', () => {
    writeFileSync(join(work, 'epochs.json'), JSON.stringify({ [VM]: 3 }));
    expect(new XlDriver({ command: xl, workDir: work, logDir: join(dir, 'log') }).epochOf(VM)).toBe(3);
  });
});

describe('XlDriver storage', () => {
  const IMAGE = '11111111-2222-4333-8444-555555555555';
  let dom0: FakeDom0;
  const imageSpec = () =>
    pvSpec((s) => {
      s.disks[0]!.imageId = IMAGE;
      s.disks.push({
        target: '',
        format: 'raw',
        vdev: 'xvdb',
        access: 'rw',
        sizeGb: 1,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      });
    });

  beforeEach(() => {
    dom0 = new FakeDom0();
    driver = new XlDriver({ command: xl, workDir: work, logDir: join(dir, 'log'), devices: dom0 });
    const fd = openSync(driver.storage.layout.image(IMAGE), 'w');
    ftruncateSync(fd, 64 * 1024 * 1024);
    closeSync(fd);
  });

  it('boots a root disk of an image from a dm snapshot (phy), a data disk from its file', async () => {
    await driver.createDomain(imageSpec(), false, ctx());
    expect(readFileSync(configFile(), 'utf8')).toContain(
      `disk = [ 'format=raw, vdev=xvda, access=rw, backendtype=phy, target=/dev/mapper/xp-${VM}-xvda', ` +
        `'format=raw, vdev=xvdb, access=rw, target=${diskFile(VM, 'xvdb')}' ]`,
    );
    expect([...dom0.tables.keys()]).toEqual([`xp-${VM}-xvda`]);
    expect(existsSync(join(work, 'disks', `${VM}-xvda.cow`))).toBe(true);
  });

  it('refuses a root disk of an image not cached here, before xl runs', async () => {
    rmSync(driver.storage.layout.image(IMAGE));
    await expect(driver.createDomain(imageSpec(), false, ctx())).rejects.toMatchObject({
      code: 'failed_precondition',
      message: `image ${IMAGE} is not cached on this host`,
    });
    expect(xl.changes).toEqual([]);
  });

  it('takes the devices down on destroy and assembles them again at the next create', async () => {
    await driver.createDomain(imageSpec(), false, ctx());
    await driver.destroyDomain(VM, ctx());
    expect(dom0.tables.size).toBe(0);
    expect(dom0.loops.size).toBe(0);
    expect(existsSync(join(work, 'disks', `${VM}-xvda.cow`))).toBe(true);
    await driver.createDomain(imageSpec(), false, ctx());
    expect([...dom0.tables.keys()]).toEqual([`xp-${VM}-xvda`]);
    await driver.destroyDomain(VM, ctx(), true);
    expect(dom0.tables.size + dom0.loops.size).toBe(0);
    expect(await driver.storage.list(VM, ctx())).toEqual([]);
  });

  it('snapshots a running VM paused, its devices suspended, and lets it run again', async () => {
    await driver.createDomain(imageSpec(), false, ctx());
    const order: string[] = [];
    const run = xl.run.bind(xl);
    xl.run = (args, o) => (order.push(`xl ${args.join(' ')}`), run(args, o));
    const dm = dom0.dmsetup.run.bind(dom0.dmsetup);
    dom0.dmsetup.run = (args, o) => (order.push(`dmsetup ${args.join(' ')}`), dm(args, o));
    const snap = '22222222-3333-4444-8555-666666666666';
    await driver.storage.snapshot(VM, snap, ctx());
    expect(order.filter((o) => /pause|suspend|resume/.test(o))).toEqual([
      `xl pause ${NAME}`,
      `dmsetup suspend xp-${VM}-xvda`,
      `dmsetup resume xp-${VM}-xvda`,
      `xl unpause ${NAME}`,
    ]);
    expect(readdirSync(join(work, 'snapshots', VM, snap)).sort()).toEqual(['xvda.cow', 'xvdb.img']);
    expect(events.map((e) => e.type)).not.toContain(DomainEventType.DOMAIN_EVENT_TYPE_PAUSED);
  });
});

/**
 * genisoimage as a recorder: keeps every argument array and what the source directory held when
 * it ran, writes a stand-in image to -output (or fails, when told to).
 */
class FakeGenisoimage implements XlCommand {
  readonly calls: string[][] = [];
  readonly seen: Record<string, string>[] = [];
  failWith: CommandResult | undefined;
  /** xl's calls and this one's, in one order */
  constructor(private readonly order: string[]) {}

  run(args: readonly string[]): Promise<CommandResult> {
    expect(Array.isArray(args)).toBe(true);
    this.calls.push([...args]);
    this.order.push('genisoimage');
    const dir = args.at(-1)!;
    this.seen.push(Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')])));
    if (this.failWith) return Promise.resolve(this.failWith);
    writeFileSync(args[args.indexOf('-output') + 1]!, `ISO ${this.calls.length}`);
    return Promise.resolve(ok());
  }
}

describe('XlDriver config drive', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ lab@xenplane';
  const SECRET = 'password: hunter2-do-not-log';
  const withDrive = (edit: (s: DomainSpec) => void = () => undefined) =>
    pvSpec((s) => {
      s.cloudInit = {
        instanceId: VM,
        hostname: 'web-1',
        sshKeys: [KEY],
        userData: Buffer.from(`#cloud-config\n${SECRET}\n`),
        interfaces: [
          { mac: '00:16:3e:12:34:56', addresses: ['10.0.0.5/24'], gateway: '10.0.0.1', nameservers: ['10.0.0.1'] },
        ],
      };
      edit(s);
    });
  const iso = (vmId = VM) => join(work, 'configs', `${vmId}-cidata.iso`);
  let order: string[];
  let genisoimage: FakeGenisoimage;

  beforeEach(() => {
    order = [];
    genisoimage = new FakeGenisoimage(order);
    const recording: XlCommand = {
      run: (args, opts) => {
        if (args[0] !== 'list') order.push(`xl ${args[0]}`);
        return xl.run(args, opts);
      },
    };
    driver = new XlDriver({ command: recording, genisoimage, workDir: work, logDir: join(dir, 'log') });
  });

  it('builds configs/<vm>-cidata.iso with genisoimage from the NoCloud files before xl create', async () => {
    await driver.createDomain(withDrive(), false, ctx());

    expect(genisoimage.calls).toHaveLength(1);
    const [args] = genisoimage.calls;
    expect(args).toEqual(['-output', `${iso()}.part`, '-volid', 'cidata', '-joliet', '-rock', args!.at(-1)]);
    expect(genisoimage.seen[0]).toEqual({
      'meta-data': `instance-id: "${VM}"\nlocal-hostname: "web-1"\npublic-keys:\n  - "${KEY}"\n`,
      'user-data': `#cloud-config\n${SECRET}\n`,
      'network-config': expect.stringContaining('      - "10.0.0.5/24"\n'),
    });
    expect(order).toEqual(['genisoimage', 'xl create']);
    expect(readFileSync(iso(), 'utf8')).toBe('ISO 1');
    expect(statSync(iso()).mode & 0o777).toBe(0o600);
    expect(existsSync(`${iso()}.part`)).toBe(false);
    // the files (the tenant's user-data among them) do not outlive the build
    expect(existsSync(args!.at(-1)!)).toBe(false);
  });

  it('attaches the drive read-only as xvdz in the config xl creates from', async () => {
    await driver.createDomain(withDrive(), false, ctx());
    expect(readFileSync(configFile(), 'utf8')).toContain(
      `disk = [ 'format=raw, vdev=xvda, access=rw, target=${diskFile()}', 'format=raw, vdev=xvdz, access=ro, target=${iso()}' ]`,
    );
  });

  it('attaches it as the cdrom hdd of an hvm guest', async () => {
    await driver.createDomain(
      withDrive((s) => {
        s.guestType = GuestType.GUEST_TYPE_HVM;
        s.boot = { kernel: '', ramdisk: '', cmdline: '', bootloader: '', hvmBoot: 'c', serial: '', vnc: false };
        s.disks[0]!.vdev = 'hda';
      }),
      false,
      ctx(),
    );
    expect(readFileSync(configFile(), 'utf8')).toContain(
      `'format=raw, vdev=hdd, access=ro, devtype=cdrom, target=${iso()}' ]`,
    );
  });

  it('runs no genisoimage and attaches nothing for a spec without a drive', async () => {
    await driver.createDomain(pvSpec(), false, ctx());
    expect(genisoimage.calls).toEqual([]);
    expect(existsSync(iso())).toBe(false);
    expect(readFileSync(configFile(), 'utf8')).not.toContain('xvdz');
  });

  it('rebuilds the drive at each create, so a start gets what the spec says now', async () => {
    await driver.createDomain(withDrive(), false, ctx());
    await driver.destroyDomain(VM, ctx());
    await driver.createDomain(
      withDrive((s) => (s.cloudInit!.hostname = 'web-2')),
      false,
      ctx(),
    );
    expect(genisoimage.seen.map((s) => /local-hostname: "(.*)"/.exec(s['meta-data']!)?.[1])).toEqual([
      'web-1',
      'web-2',
    ]);
    expect(readFileSync(iso(), 'utf8')).toBe('ISO 2');
  });

  it('removes a drive an earlier create made when the spec no longer has one', async () => {
    await driver.createDomain(withDrive(), false, ctx());
    await driver.destroyDomain(VM, ctx());
    await driver.createDomain(pvSpec(), false, ctx());
    expect(existsSync(iso())).toBe(false);
    expect(readFileSync(configFile(), 'utf8')).not.toContain('cidata');
  });

  it('fails the create as internal, without the user-data, when genisoimage fails, leaving no image or files', async () => {
    genisoimage.failWith = { code: 2, stdout: '', stderr: 'genisoimage: No space left on device.\n' };
    const failure = driver.createDomain(withDrive(), false, ctx());
    await expect(failure).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('genisoimage: No space left on device.'),
    });
    await expect(failure).rejects.toMatchObject({ message: expect.not.stringContaining('hunter2') });
    expect(order).toEqual(['genisoimage']);
    expect(readdirSync(join(work, 'configs'))).toEqual([]);
    expect(existsSync(genisoimage.calls[0]!.at(-1)!)).toBe(false);
  });

  it("is purged with the VM's storage, and only that VM's", async () => {
    await driver.createDomain(withDrive(), false, ctx());
    await driver.createDomain(
      withDrive((s) => {
        s.vmId = OTHER_VM;
        s.cloudInit!.instanceId = OTHER_VM;
      }),
      false,
      ctx(),
    );
    await driver.destroyDomain(VM, ctx());
    expect(existsSync(iso())).toBe(true);

    await driver.destroyDomain(VM, ctx(), true);
    expect(existsSync(iso())).toBe(false);
    expect(existsSync(iso(OTHER_VM))).toBe(true);
  });
});
