import fc from 'fast-check';
import { type DomainSpec, GuestType, LifecycleAction } from '@xenplane/proto';
import { AgentError } from '../../errors';
import { type ValidSpec, validateDomainSpec } from '../spec-validation';
import { domainName, renderXlConfig } from './xl-config';

const VM_ID = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const NAME = `xp-${VM_ID}`;
const { GUEST_TYPE_PV: PV, GUEST_TYPE_PVH: PVH, GUEST_TYPE_HVM: HVM } = GuestType;
const UNSPECIFIED = LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED;

function spec(type: GuestType, edit: (s: DomainSpec) => void = () => undefined): DomainSpec {
  const s: DomainSpec = {
    vmId: VM_ID,
    name: 'web-1',
    guestType: type,
    vcpus: 2,
    maxVcpus: 0,
    memoryMb: 512,
    maxMemoryMb: 0,
    cpus: '',
    boot: { kernel: '', ramdisk: '', cmdline: '', bootloader: '', hvmBoot: '', serial: '', vnc: false },
    disks: [],
    vifs: [],
    onPoweroff: UNSPECIFIED,
    onReboot: UNSPECIFIED,
    onCrash: UNSPECIFIED,
    epoch: 1,
    cloudInit: undefined,
  };
  if (type !== HVM) s.boot!.kernel = '/var/lib/xenplane/images/vmlinuz';
  edit(s);
  return s;
}

const render = (s: DomainSpec, diskTargets: string[] = s.disks.map((d) => d.target)) =>
  renderXlConfig(validateDomainSpec(s), { diskTargets });
const linesOf = (cfg: string) => cfg.split('\n').filter((l) => l !== '');
const keysOf = (cfg: string) =>
  linesOf(cfg)
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(' = ')[0]);
const valueOf = (cfg: string, key: string) =>
  linesOf(cfg)
    .find((l) => l.startsWith(`${key} = `))
    ?.slice(key.length + 3);

const HVM_ONLY = ['boot', 'serial', 'vnc'];

describe('domainName', () => {
  it('is xp- and the vm id', () => {
    expect(domainName(VM_ID)).toBe(NAME);
  });
});

describe('renderXlConfig', () => {
  it('renders a pv guest booted from a kernel, line for line', () => {
    const cfg = render(
      spec(PV, (s) => {
        s.boot!.ramdisk = '/var/lib/xenplane/images/initrd.img';
        s.boot!.cmdline = 'root=/dev/xvda1 console=hvc0 ro';
      }),
    );
    expect(cfg).toBe(
      [
        `# xl domain config written by the xenplane host agent for vm ${VM_ID}`,
        `name = "${NAME}"`,
        `uuid = "${VM_ID}"`,
        'type = "pv"',
        'memory = 512',
        'maxmem = 512',
        'vcpus = 2',
        'maxvcpus = 2',
        'kernel = "/var/lib/xenplane/images/vmlinuz"',
        'ramdisk = "/var/lib/xenplane/images/initrd.img"',
        'extra = "root=/dev/xvda1 console=hvc0 ro"',
        '',
      ].join('\n'),
    );
  });

  it('renders a pv guest booted through pygrub with a bootloader and no kernel', () => {
    const cfg = render(spec(PV, (s) => ((s.boot!.kernel = ''), (s.boot!.bootloader = 'pygrub'))));
    expect(valueOf(cfg, 'type')).toBe('"pv"');
    expect(valueOf(cfg, 'bootloader')).toBe('"pygrub"');
    expect(keysOf(cfg)).not.toContain('kernel');
  });

  it('renders a pvh guest with its kernel and no hvm keys', () => {
    const cfg = render(spec(PVH));
    expect(valueOf(cfg, 'type')).toBe('"pvh"');
    expect(valueOf(cfg, 'kernel')).toBe('"/var/lib/xenplane/images/vmlinuz"');
    expect(keysOf(cfg)).toEqual(['name', 'uuid', 'type', 'memory', 'maxmem', 'vcpus', 'maxvcpus', 'kernel']);
  });

  it('gives a pv guest no hvm keys', () => {
    const keys = keysOf(render(spec(PV)));
    for (const key of HVM_ONLY) expect(keys).not.toContain(key);
  });

  it('boots an hvm guest from disk, without serial and with vnc off, unless asked', () => {
    const cfg = render(spec(HVM));
    expect(valueOf(cfg, 'type')).toBe('"hvm"');
    expect(valueOf(cfg, 'boot')).toBe('"c"');
    expect(valueOf(cfg, 'vnc')).toBe('0');
    expect(keysOf(cfg)).not.toContain('serial');
    expect(keysOf(cfg)).not.toContain('kernel');
  });

  it('renders the boot order, serial console and vnc an hvm guest asks for', () => {
    const cfg = render(spec(HVM, (s) => Object.assign(s.boot!, { hvmBoot: 'dc', serial: 'pty', vnc: true })));
    expect(valueOf(cfg, 'boot')).toBe('"dc"');
    expect(valueOf(cfg, 'serial')).toBe('"pty"');
    expect(valueOf(cfg, 'vnc')).toBe('1');
  });

  it('writes memory, maxmem, vcpus, maxvcpus and cpus as given', () => {
    const cfg = render(
      spec(PV, (s) => Object.assign(s, { memoryMb: 768, maxMemoryMb: 2048, vcpus: 3, maxVcpus: 8, cpus: '0-3,6' })),
    );
    expect(linesOf(cfg)).toEqual(
      expect.arrayContaining(['memory = 768', 'maxmem = 2048', 'vcpus = 3', 'maxvcpus = 8', 'cpus = "0-3,6"']),
    );
  });

  it('leaves out cpus, ramdisk, extra, disk and vif when there are none', () => {
    const keys = keysOf(render(spec(PV)));
    for (const key of ['cpus', 'ramdisk', 'extra', 'bootloader', 'disk', 'vif']) expect(keys).not.toContain(key);
  });

  it('renders each disk as one quoted spec with the target it was given', () => {
    const cfg = render(
      spec(PV, (s) => {
        s.disks = [
          {
            target: '',
            format: 'raw',
            vdev: 'xvda',
            access: 'rw',
            sizeGb: 10,
            imageId: '',
            sharedDevice: '',
            sharedOffsetBytes: 0,
          },
          {
            target: '/srv/images/data.qcow2',
            format: 'qcow2',
            vdev: 'xvdb',
            access: 'ro',
            sizeGb: 0,
            imageId: '',
            sharedDevice: '',
            sharedOffsetBytes: 0,
          },
        ];
      }),
      ['/var/lib/xenplane/disks/root.img', '/srv/images/data.qcow2'],
    );
    expect(valueOf(cfg, 'disk')).toBe(
      "[ 'format=raw, vdev=xvda, access=rw, target=/var/lib/xenplane/disks/root.img', 'format=qcow2, vdev=xvdb, access=ro, target=/srv/images/data.qcow2' ]",
    );
  });

  it('renders an hvm guest hdX disk', () => {
    const cfg = render(
      spec(
        HVM,
        (s) =>
          (s.disks = [
            {
              target: '/srv/hvm.img',
              format: 'raw',
              vdev: 'hda',
              access: 'rw',
              sizeGb: 0,
              imageId: '',
              sharedDevice: '',
              sharedOffsetBytes: 0,
            },
          ]),
      ),
    );
    expect(valueOf(cfg, 'disk')).toBe("[ 'format=raw, vdev=hda, access=rw, target=/srv/hvm.img' ]");
  });

  it('renders a vif with mac and bridge, rate and model only when set, and never its ip (vif-bridge would make it iptables rules)', () => {
    const cfg = render(
      spec(HVM, (s) => {
        s.vifs = [
          { mac: '00:16:3e:00:00:01', bridge: 'xenbr0', rate: '', model: '', ip: '10.0.0.5' },
          { mac: '00:16:3e:00:00:02', bridge: 'xenbr1', rate: '100Mb/s', model: 'e1000', ip: '' },
        ];
      }),
    );
    expect(valueOf(cfg, 'vif')).toBe(
      "[ 'mac=00:16:3e:00:00:01,bridge=xenbr0', 'mac=00:16:3e:00:00:02,bridge=xenbr1,rate=100Mb/s,model=e1000' ]",
    );
  });

  it('renders a pv vif rate without a model', () => {
    const cfg = render(
      spec(PV, (s) => (s.vifs = [{ mac: '00:16:3e:0a:0b:0c', bridge: 'br-pool1', rate: '2Gb/s', model: '', ip: '' }])),
    );
    expect(valueOf(cfg, 'vif')).toBe("[ 'mac=00:16:3e:0a:0b:0c,bridge=br-pool1,rate=2Gb/s' ]");
  });

  const ACTIONS: [LifecycleAction, string][] = [
    [LifecycleAction.LIFECYCLE_ACTION_DESTROY, 'destroy'],
    [LifecycleAction.LIFECYCLE_ACTION_RESTART, 'restart'],
    [LifecycleAction.LIFECYCLE_ACTION_PRESERVE, 'preserve'],
    [LifecycleAction.LIFECYCLE_ACTION_RENAME_RESTART, 'rename-restart'],
    [LifecycleAction.LIFECYCLE_ACTION_COREDUMP_DESTROY, 'coredump-destroy'],
    [LifecycleAction.LIFECYCLE_ACTION_COREDUMP_RESTART, 'coredump-restart'],
    [LifecycleAction.LIFECYCLE_ACTION_SOFT_RESET, 'soft-reset'],
  ];

  it('has an xl name for every lifecycle action but the unspecified one', () => {
    const covered = new Set([...ACTIONS.map(([a]) => a), UNSPECIFIED, LifecycleAction.UNRECOGNIZED]);
    expect(Object.values(LifecycleAction).filter((a) => !covered.has(a))).toEqual([]);
  });

  it.each(ACTIONS)('maps %s to "%s" in on_poweroff, on_reboot and on_crash', (action, xl) => {
    const cfg = render(spec(PV, (s) => Object.assign(s, { onPoweroff: action, onReboot: action, onCrash: action })));
    expect(linesOf(cfg).slice(-3)).toEqual([`on_poweroff = "${xl}"`, `on_reboot = "${xl}"`, `on_crash = "${xl}"`]);
  });

  it('sets each lifecycle key independently', () => {
    const cfg = render(
      spec(PV, (s) => {
        s.onPoweroff = LifecycleAction.LIFECYCLE_ACTION_DESTROY;
        s.onCrash = LifecycleAction.LIFECYCLE_ACTION_PRESERVE;
      }),
    );
    expect(valueOf(cfg, 'on_poweroff')).toBe('"destroy"');
    expect(keysOf(cfg)).not.toContain('on_reboot');
    expect(valueOf(cfg, 'on_crash')).toBe('"preserve"');
  });

  it('leaves out an unspecified lifecycle action, so xl applies its default', () => {
    const keys = keysOf(render(spec(PV)));
    for (const key of ['on_poweroff', 'on_reboot', 'on_crash']) expect(keys).not.toContain(key);
  });

  it("never writes the tenant's display name", () => {
    const cfg = render(spec(PV, (s) => (s.name = 'evil"\nmemory = 999999')));
    expect(cfg).not.toContain('evil');
    expect(valueOf(cfg, 'name')).toBe(`"${NAME}"`);
  });
});

describe('renderXlConfig on many specs', () => {
  const NUMBER_OR_STRING = /^(\d+|"[^"\\\n\r]*")$/;
  const LIST_VALUE = /^\[ '[^'\n\r]*'(, '[^'\n\r]*')* \]$/;
  const LINE = /^([a-z_]+ = |# )/;

  /** Every line one key with one value; name and uuid once each; no key twice. */
  function expectWellFormed(cfg: string, vmId: string, disks: number, vifs: number): void {
    const lines = cfg.split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(line).toMatch(LINE);
    const entries = lines
      .filter((l) => !l.startsWith('# '))
      .map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)] as const);
    const keys = entries.map(([k]) => k);
    expect(keys.filter((k) => k === 'name')).toHaveLength(1);
    expect(keys.filter((k) => k === 'uuid')).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
    const values = Object.fromEntries(entries);
    expect(values['name']).toBe(`"xp-${vmId}"`);
    expect(values['uuid']).toBe(`"${vmId}"`);
    for (const [key, value] of entries) {
      if (key === 'disk' || key === 'vif') expect(value).toMatch(LIST_VALUE);
      else expect(value).toMatch(NUMBER_OR_STRING);
    }
    // a comma smuggled into a disk or vif spec would add a key (script=, backendtype=) there
    const items = (key: string) =>
      (values[key]?.match(/'[^']*'/g) ?? []).map((item) =>
        item
          .slice(1, -1)
          .split(/, ?/)
          .map((kv) => kv.split('=')[0]),
      );
    expect(items('disk')).toHaveLength(disks);
    for (const parts of items('disk')) expect(parts).toEqual(['format', 'vdev', 'access', 'target']);
    expect(items('vif')).toHaveLength(vifs);
    for (const parts of items('vif'))
      expect(['mac,bridge', 'mac,bridge,rate', 'mac,bridge,model', 'mac,bridge,rate,model']).toContain(parts.join(','));
  }

  const HOSTILE = ['"\nmemory = 999999', "', target=/etc/shadow'", ',script=/tmp/evil', ']', '\\', '\r', "'"];
  // mostly valid values, so that hostile runs still produce specs that pass validation
  const str = (valid: string[], hostile: boolean) =>
    hostile
      ? fc.oneof(
          { arbitrary: fc.constantFrom(...valid), weight: 10 },
          {
            arbitrary: fc.tuple(fc.constantFrom(...valid), fc.constantFrom(...HOSTILE)).map(([v, h]) => v + h),
            weight: 1,
          },
          { arbitrary: fc.string(), weight: 1 },
        )
      : fc.constantFrom(...valid);

  const specArb = (hostile: boolean) =>
    fc
      .record({
        vmId: str([VM_ID, '00000000-0000-4000-8000-000000000001', 'ffffffff-ffff-4fff-bfff-ffffffffffff'], hostile),
        name: fc.string(),
        guestType: fc.constantFrom(PV, PVH, HVM),
        vcpus: fc.integer({ min: 1, max: 512 }),
        extraVcpus: fc.integer({ min: 0, max: 8 }),
        memoryMb: fc.integer({ min: 16, max: 1 << 20 }),
        extraMemoryMb: fc.integer({ min: 0, max: 4096 }),
        cpus: str(['', 'all', '0-3', '0-3,6', '1,5-7'], hostile),
        kernel: str(['/boot/vmlinuz', '/var/lib/xenplane/images/vmlinuz-6.1'], hostile),
        ramdisk: str(['', '/boot/initrd.img'], hostile),
        cmdline: str(['', 'ro', 'root=/dev/xvda1 console=hvc0 quiet'], hostile),
        noKernel: fc.boolean(),
        hvmBoot: str(['', 'c', 'dc', 'ncd'], hostile),
        serial: str(['', 'pty'], hostile),
        vnc: fc.boolean(),
        disks: fc.array(
          fc.record({
            target: str(['', '/srv/disks/a.img', '/dev/vg0/vm-root'], hostile),
            format: str(['raw', 'qcow2'], hostile),
            access: str(['rw', 'ro'], hostile),
            sizeGb: fc.integer({ min: 1, max: 2000 }),
            imageId: fc.constant(''),
            sharedDevice: fc.constant(''),
            sharedOffsetBytes: fc.constant(0),
          }),
          { maxLength: 16 },
        ),
        vifs: fc.array(
          fc.record({
            mac: str(['00:16:3e:00:00:01', '00:16:3e:7f:ab:cd'], hostile),
            bridge: str(['xenbr0', 'br-pool.1'], hostile),
            rate: str(['', '100Mb/s', '2Gb/s'], hostile),
            model: str(['', 'e1000', 'rtl8139', 'virtio-net'], hostile),
            ip: str(['', '10.0.0.5', '192.168.7.254'], hostile),
          }),
          { maxLength: 8 },
        ),
        onPoweroff: fc.constantFrom(
          ...Object.values(LifecycleAction).filter((a) => a !== LifecycleAction.UNRECOGNIZED),
        ),
        onReboot: fc.constantFrom(...Object.values(LifecycleAction).filter((a) => a !== LifecycleAction.UNRECOGNIZED)),
        onCrash: fc.constantFrom(...Object.values(LifecycleAction).filter((a) => a !== LifecycleAction.UNRECOGNIZED)),
      })
      .map((r): DomainSpec => {
        const hvm = r.guestType === HVM;
        return {
          vmId: r.vmId,
          name: r.name,
          guestType: r.guestType,
          vcpus: r.vcpus,
          maxVcpus: Math.min(512, r.vcpus + r.extraVcpus),
          memoryMb: r.memoryMb,
          maxMemoryMb: r.memoryMb + r.extraMemoryMb,
          cpus: r.cpus,
          boot: {
            // without a kernel a pv guest boots through pygrub and an hvm one from its disk
            kernel: r.noKernel && r.guestType !== PVH ? '' : r.kernel,
            ramdisk: r.ramdisk,
            cmdline: r.cmdline,
            bootloader: r.noKernel && r.guestType === PV ? 'pygrub' : '',
            // hostile runs put the hvm-only values on any guest type too
            hvmBoot: hvm || hostile ? r.hvmBoot : '',
            serial: hvm || hostile ? r.serial : '',
            vnc: hvm && r.vnc,
          },
          disks: r.disks.map((d, i) => ({
            ...d,
            vdev: hvm && i < 4 ? `hd${'abcd'[i]}` : `xvd${String.fromCharCode(97 + i)}`,
          })),
          vifs: r.vifs.map((v) => ({ ...v, model: hvm || hostile ? v.model : '' })),
          onPoweroff: r.onPoweroff,
          onReboot: r.onReboot,
          onCrash: r.onCrash,
          epoch: 1,
          cloudInit: undefined,
        };
      });

  const targets = (s: DomainSpec) => s.disks.map((d) => d.target || `/var/lib/xenplane/disks/${s.vmId}-${d.vdev}.img`);

  it('renders every valid spec as one key per line with exactly one name and uuid', () => {
    fc.assert(
      fc.property(specArb(false), (s) => {
        expectWellFormed(
          renderXlConfig(validateDomainSpec(s), { diskTargets: targets(s) }),
          s.vmId,
          s.disks.length,
          s.vifs.length,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('either refuses a spec holding hostile values as invalid_argument or renders it with no injected key', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(specArb(true), (s) => {
        let valid: ValidSpec;
        try {
          valid = validateDomainSpec(s);
        } catch (err) {
          expect(err).toBeInstanceOf(AgentError);
          expect((err as AgentError).code).toBe('invalid_argument');
          refused++;
          return;
        }
        accepted++;
        expectWellFormed(renderXlConfig(valid, { diskTargets: targets(s) }), s.vmId, s.disks.length, s.vifs.length);
      }),
      { numRuns: 1000 },
    );
    // both outcomes must actually occur, or the property says nothing
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('renderXlConfig with a config drive', () => {
  const ISO = `/var/lib/xenplane/agent/configs/${VM_ID}-cidata.iso`;
  const withDrive = (s: DomainSpec) => renderXlConfig(validateDomainSpec(s), { diskTargets: [], configDrive: ISO });
  const diskOf = (target: string) => ({
    target,
    format: 'raw',
    vdev: 'xvda',
    access: 'rw',
    sizeGb: 0,
    imageId: '',
    sharedDevice: '',
    sharedOffsetBytes: 0,
  });
  const oneDisk = (s: DomainSpec) =>
    (s.disks = [{ ...diskOf('/srv/a.img'), vdev: s.guestType === HVM ? 'hda' : 'xvda' }]);

  it.each([
    ['pv', PV],
    ['pvh', PVH],
  ])('attaches the drive to a %s guest read-only as xvdz, after its own disks', (_, type) => {
    const s = spec(type, oneDisk);
    const cfg = renderXlConfig(validateDomainSpec(s), { diskTargets: ['/srv/a.img'], configDrive: ISO });
    expect(valueOf(cfg, 'disk')).toBe(
      `[ 'format=raw, vdev=xvda, access=rw, target=/srv/a.img', 'format=raw, vdev=xvdz, access=ro, target=${ISO}' ]`,
    );
  });

  it('attaches the drive to an hvm guest as the cdrom hdd', () => {
    const s = spec(HVM, oneDisk);
    const cfg = renderXlConfig(validateDomainSpec(s), { diskTargets: ['/srv/a.img'], configDrive: ISO });
    expect(valueOf(cfg, 'disk')).toBe(
      `[ 'format=raw, vdev=hda, access=rw, target=/srv/a.img', 'format=raw, vdev=hdd, access=ro, devtype=cdrom, target=${ISO}' ]`,
    );
  });

  it('writes a disk line for a guest whose only disk is the drive', () => {
    expect(valueOf(withDrive(spec(PVH)), 'disk')).toBe(`[ 'format=raw, vdev=xvdz, access=ro, target=${ISO}' ]`);
  });

  it('attaches no drive without one, whatever the disks', () => {
    const cfg = render(spec(PV, oneDisk));
    expect(cfg).not.toContain('xvdz');
    expect(valueOf(cfg, 'disk')).toBe("[ 'format=raw, vdev=xvda, access=rw, target=/srv/a.img' ]");
  });
});
