import { type DomainSpec, GuestType, LifecycleAction } from '@xenplane/proto';
import { AgentError } from '../errors';
import { validateDomainSpec } from './spec-validation';

const VM_ID = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const { GUEST_TYPE_PV: PV, GUEST_TYPE_PVH: PVH, GUEST_TYPE_HVM: HVM } = GuestType;

/** A valid spec of the given type; `edit` changes a private copy. */
function spec(type: GuestType, edit: (s: DomainSpec) => void = () => undefined): DomainSpec {
  const hvm = type === HVM;
  const s: DomainSpec = {
    vmId: VM_ID,
    name: 'web-1',
    guestType: type,
    vcpus: 2,
    maxVcpus: 0,
    memoryMb: 512,
    maxMemoryMb: 0,
    cpus: '',
    boot: {
      kernel: hvm ? '' : '/var/lib/xenplane/images/vmlinuz',
      ramdisk: hvm ? '' : '/var/lib/xenplane/images/initrd.img',
      cmdline: hvm ? '' : 'root=/dev/xvda1 console=hvc0 ro',
      bootloader: '',
      hvmBoot: hvm ? 'c' : '',
      serial: hvm ? 'pty' : '',
      vnc: false,
    },
    disks: [
      {
        target: '',
        format: 'raw',
        vdev: hvm ? 'hda' : 'xvda',
        access: 'rw',
        sizeGb: 10,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      },
    ],
    vifs: [{ mac: '00:16:3e:12:34:56', bridge: 'xenbr0', rate: '', model: hvm ? 'e1000' : '', ip: '' }],
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch: 1,
    cloudInit: undefined,
  };
  edit(s);
  return s;
}

function rejectionOf(s: DomainSpec): AgentError {
  try {
    validateDomainSpec(s);
  } catch (err) {
    if (err instanceof AgentError) return err;
    throw err;
  }
  throw new Error('the spec was accepted');
}

/** The field an invalid_argument names: its message is "field: why". */
function rejectedField(s: DomainSpec): string {
  const err = rejectionOf(s);
  expect(err.code).toBe('invalid_argument');
  return err.message.split(': ')[0]!;
}

const disk = (vdev: string) => ({
  target: '',
  format: 'raw',
  vdev,
  access: 'rw',
  sizeGb: 1,
  imageId: '',
  sharedDevice: '',
  sharedOffsetBytes: 0,
});
const vif = (n: number) => ({
  mac: `00:16:3e:00:00:${n.toString(16).padStart(2, '0')}`,
  bridge: 'xenbr0',
  rate: '',
  model: '',
  ip: '',
});

describe('validateDomainSpec accepts', () => {
  it('a pv guest booted from a kernel, ramdisk and command line', () => {
    expect(() => validateDomainSpec(spec(PV))).not.toThrow();
  });

  it('a pv guest booted through pygrub', () => {
    const s = spec(
      PV,
      (s) =>
        (s.boot = { kernel: '', ramdisk: '', cmdline: '', bootloader: 'pygrub', hvmBoot: '', serial: '', vnc: false }),
    );
    expect(() => validateDomainSpec(s)).not.toThrow();
  });

  it('a pvh guest with a kernel', () => {
    expect(() => validateDomainSpec(spec(PVH))).not.toThrow();
  });

  it('an hvm guest with hdX disks, an emulated NIC, a serial console and vnc', () => {
    const s = spec(HVM, (s) => {
      s.boot!.hvmBoot = 'dc';
      s.boot!.vnc = true;
      s.disks.push(disk('xvdb'));
      s.vifs[0]!.model = 'rtl8139';
    });
    expect(() => validateDomainSpec(s)).not.toThrow();
  });

  it('cpu lists, rates and lifecycle actions in their valid forms', () => {
    for (const cpus of ['all', '0', '0-3', '0-3,6', '1,3,5-7'])
      expect(() => validateDomainSpec(spec(PV, (s) => (s.cpus = cpus)))).not.toThrow();
    for (const rate of ['100Mb/s', '1Gb/s', '10MB/s', '512Kb/s', '1000b/s']) {
      expect(() => validateDomainSpec(spec(PV, (s) => (s.vifs[0]!.rate = rate)))).not.toThrow();
    }
    for (const action of Object.values(LifecycleAction).filter((a) => a !== LifecycleAction.UNRECOGNIZED)) {
      expect(() => validateDomainSpec(spec(PV, (s) => (s.onCrash = action)))).not.toThrow();
    }
  });

  it('a fractional rate, which xl 4.17 refuses ("invalid rate")', () => {
    expect(rejectedField(spec(PV, (s) => (s.vifs[0]!.rate = '1.5Gb/s')))).toBe('vifs[0].rate');
  });

  it('a disk with its own target and no size', () => {
    const s = spec(
      PV,
      (s) =>
        (s.disks = [
          {
            target: '/srv/xen/disks/root.img',
            format: 'qcow2',
            vdev: 'xvda',
            access: 'ro',
            sizeGb: 0,
            imageId: '',
            sharedDevice: '',
            sharedOffsetBytes: 0,
          },
        ]),
    );
    expect(() => validateDomainSpec(s)).not.toThrow();
  });

  it('a disk of a shared storage pool', () => {
    const s = spec(
      PV,
      (s) => ((s.disks[0]!.sharedDevice = '/dev/mapper/lun-0'), (s.disks[0]!.sharedOffsetBytes = 3 * 1024 * 1024)),
    );
    expect(() => validateDomainSpec(s)).not.toThrow();
  });

  it('a guest with no disks and no vifs', () => {
    expect(() => validateDomainSpec(spec(PVH, (s) => ((s.disks = []), (s.vifs = []))))).not.toThrow();
  });
});

describe('validateDomainSpec defaults', () => {
  it.each([PV, PVH, HVM])('fills maxVcpus and maxMemoryMb from vcpus and memory when unset (%s)', (type) => {
    const valid = validateDomainSpec(spec(type));
    expect(valid).toMatchObject({ vcpus: 2, maxVcpus: 2, memoryMb: 512, maxMemoryMb: 512 });
  });

  it('keeps maxVcpus and maxMemoryMb when given', () => {
    const valid = validateDomainSpec(spec(PV, (s) => ((s.maxVcpus = 8), (s.maxMemoryMb = 2048))));
    expect(valid).toMatchObject({ maxVcpus: 8, maxMemoryMb: 2048 });
  });

  it('returns the rest of the spec unchanged', () => {
    const s = spec(HVM);
    expect(validateDomainSpec(s)).toEqual({ ...s, maxVcpus: 2, maxMemoryMb: 512 });
  });
});

describe('validateDomainSpec rejects, naming the field', () => {
  type Case = [string, DomainSpec, string];
  const cases: Case[] = [
    ['an uppercase uuid', spec(PV, (s) => (s.vmId = VM_ID.toUpperCase())), 'vm_id'],
    ['a vm id that is no uuid', spec(PV, (s) => (s.vmId = 'web-1')), 'vm_id'],
    ['an empty vm id', spec(PV, (s) => (s.vmId = '')), 'vm_id'],
    ['an unspecified guest type', spec(PV, (s) => (s.guestType = GuestType.GUEST_TYPE_UNSPECIFIED)), 'guest_type'],
    ['0 vcpus', spec(PV, (s) => (s.vcpus = 0)), 'vcpus'],
    ['513 vcpus', spec(PV, (s) => (s.vcpus = 513)), 'vcpus'],
    ['1.5 vcpus', spec(PV, (s) => (s.vcpus = 1.5)), 'vcpus'],
    ['maxVcpus below vcpus', spec(PV, (s) => ((s.vcpus = 4), (s.maxVcpus = 2))), 'max_vcpus'],
    ['maxVcpus above 512', spec(PV, (s) => (s.maxVcpus = 513)), 'max_vcpus'],
    ['15 MB of memory', spec(PV, (s) => (s.memoryMb = 15)), 'memory_mb'],
    ['a fractional memory size', spec(PV, (s) => (s.memoryMb = 512.5)), 'memory_mb'],
    ['maxmem below memory', spec(PV, (s) => ((s.memoryMb = 1024), (s.maxMemoryMb = 512))), 'max_memory_mb'],
    ['a cpu list with a semicolon', spec(PV, (s) => (s.cpus = '0-3;6')), 'cpus'],
    ['a cpu list with a space', spec(PV, (s) => (s.cpus = '0, 1')), 'cpus'],
    ['a cpu list with an empty item', spec(PV, (s) => (s.cpus = '0,,1')), 'cpus'],
    ['a cpu list of names', spec(PV, (s) => (s.cpus = 'cpu0')), 'cpus'],
    ['a relative kernel path', spec(PV, (s) => (s.boot!.kernel = 'boot/vmlinuz')), 'boot.kernel'],
    ['a kernel path through ..', spec(PV, (s) => (s.boot!.kernel = '/boot/../etc/shadow')), 'boot.kernel'],
    ['a kernel path ending in ..', spec(PV, (s) => (s.boot!.kernel = '/boot/..')), 'boot.kernel'],
    ['a kernel path through .', spec(PV, (s) => (s.boot!.kernel = '/boot/./vmlinuz')), 'boot.kernel'],
    ['a kernel path with a quote', spec(PV, (s) => (s.boot!.kernel = '/boot/vmlinuz"')), 'boot.kernel'],
    ['a kernel path with a space', spec(PV, (s) => (s.boot!.kernel = '/boot/vm linuz')), 'boot.kernel'],
    ['a kernel path longer than 256', spec(PV, (s) => (s.boot!.kernel = `/${'a'.repeat(256)}`)), 'boot.kernel'],
    ['a relative ramdisk path', spec(PV, (s) => (s.boot!.ramdisk = 'initrd.img')), 'boot.ramdisk'],
    ['a cmdline with a double quote', spec(PV, (s) => (s.boot!.cmdline = 'root=/dev/xvda1 "quiet"')), 'boot.cmdline'],
    ['a cmdline with a newline', spec(PV, (s) => (s.boot!.cmdline = 'ro\nquiet')), 'boot.cmdline'],
    ['a cmdline with a comma', spec(PV, (s) => (s.boot!.cmdline = 'console=hvc0,115200')), 'boot.cmdline'],
    ['a cmdline with a bracket', spec(PV, (s) => (s.boot!.cmdline = 'ro]')), 'boot.cmdline'],
    ['a cmdline longer than 1024', spec(PV, (s) => (s.boot!.cmdline = 'a'.repeat(1025))), 'boot.cmdline'],
    ['a bootloader other than pygrub', spec(PV, (s) => (s.boot!.bootloader = '/usr/bin/pygrub')), 'boot.bootloader'],
    ['pygrub on a pvh guest', spec(PVH, (s) => (s.boot!.bootloader = 'pygrub')), 'boot.bootloader'],
    ['pygrub on an hvm guest', spec(HVM, (s) => (s.boot!.bootloader = 'pygrub')), 'boot.bootloader'],
    ['a pvh guest without a kernel', spec(PVH, (s) => (s.boot!.kernel = '')), 'boot.kernel'],
    ['a pvh guest without a boot section', spec(PVH, (s) => (s.boot = undefined)), 'boot.kernel'],
    ['a pv guest with neither kernel nor bootloader', spec(PV, (s) => (s.boot!.kernel = '')), 'boot'],
    ['a pv guest without a boot section', spec(PV, (s) => (s.boot = undefined)), 'boot'],
    ['an hvm boot order on a pv guest', spec(PV, (s) => (s.boot!.hvmBoot = 'c')), 'boot.hvm_boot'],
    ['an hvm boot order on a pvh guest', spec(PVH, (s) => (s.boot!.hvmBoot = 'c')), 'boot.hvm_boot'],
    ['an hvm boot order of unknown devices', spec(HVM, (s) => (s.boot!.hvmBoot = 'x')), 'boot.hvm_boot'],
    ['a serial console on a pv guest', spec(PV, (s) => (s.boot!.serial = 'pty')), 'boot.serial'],
    ['a serial console other than pty', spec(HVM, (s) => (s.boot!.serial = 'tcp:0.0.0.0:4555')), 'boot.serial'],
    ['vnc on a pv guest', spec(PV, (s) => (s.boot!.vnc = true)), 'boot.vnc'],
    ['vnc on a pvh guest', spec(PVH, (s) => (s.boot!.vnc = true)), 'boot.vnc'],
    [
      '17 disks',
      spec(PV, (s) => (s.disks = Array.from({ length: 17 }, (_, i) => disk(`xvd${String.fromCharCode(97 + i)}`)))),
      'disks',
    ],
    ['a disk format other than raw or qcow2', spec(PV, (s) => (s.disks[0]!.format = 'vmdk')), 'disks[0].format'],
    ['an hdX vdev on a pv guest', spec(PV, (s) => (s.disks[0]!.vdev = 'hda')), 'disks[0].vdev'],
    ['an hdX vdev on a pvh guest', spec(PVH, (s) => (s.disks[0]!.vdev = 'hda')), 'disks[0].vdev'],
    ['an hdX vdev beyond hdd on an hvm guest', spec(HVM, (s) => (s.disks[0]!.vdev = 'hde')), 'disks[0].vdev'],
    ['an sdX vdev', spec(HVM, (s) => (s.disks[0]!.vdev = 'sda')), 'disks[0].vdev'],
    ['a vdev used twice', spec(PV, (s) => s.disks.push(disk('xvda'))), 'disks[1].vdev'],
    ['a disk access other than rw or ro', spec(PV, (s) => (s.disks[0]!.access = 'w')), 'disks[0].access'],
    ['a disk with neither target nor size', spec(PV, (s) => (s.disks[0]!.sizeGb = 0)), 'disks[0]'],
    ['a disk with a relative target', spec(PV, (s) => (s.disks[0]!.target = 'disks/root.img')), 'disks[0].target'],
    ['an image id that is not a uuid', spec(PV, (s) => (s.disks[0]!.imageId = '../images/x')), 'disks[0].image_id'],
    [
      'an image id on a disk with its own target',
      spec(PV, (s) => {
        s.disks[0]!.target = '/srv/disk.img';
        s.disks[0]!.imageId = '11111111-2222-4333-8444-555555555555';
      }),
      'disks[0].image_id',
    ],
    [
      'a shared device outside /dev',
      spec(PV, (s) => (s.disks[0]!.sharedDevice = '/srv/lun')),
      'disks[0].shared_device',
    ],
    [
      'a shared device path climbing out of /dev',
      spec(PV, (s) => (s.disks[0]!.sharedDevice = '/dev/../etc/shadow')),
      'disks[0].shared_device',
    ],
    [
      'a shared device with a space',
      spec(PV, (s) => (s.disks[0]!.sharedDevice = '/dev/xp shared')),
      'disks[0].shared_device',
    ],
    [
      'a shared offset that is not whole MiB',
      spec(PV, (s) => ((s.disks[0]!.sharedDevice = '/dev/xp-shared'), (s.disks[0]!.sharedOffsetBytes = 512))),
      'disks[0].shared_offset_bytes',
    ],
    [
      'a shared offset without a shared device',
      spec(PV, (s) => (s.disks[0]!.sharedOffsetBytes = 1024 * 1024)),
      'disks[0].shared_offset_bytes',
    ],
    [
      'a shared device on a disk with its own target',
      spec(PV, (s) => ((s.disks[0]!.sharedDevice = '/dev/xp-shared'), (s.disks[0]!.target = '/srv/disk.img'))),
      'disks[0].shared_device',
    ],
    ['9 vifs', spec(PV, (s) => (s.vifs = Array.from({ length: 9 }, (_, i) => vif(i)))), 'vifs'],
    ['an uppercase mac', spec(PV, (s) => (s.vifs[0]!.mac = '00:16:3E:12:34:56')), 'vifs[0].mac'],
    ['a mac outside the Xen OUI', spec(PV, (s) => (s.vifs[0]!.mac = '02:00:00:12:34:56')), 'vifs[0].mac'],
    ['a mac with a missing octet', spec(PV, (s) => (s.vifs[0]!.mac = '00:16:3e:12:34')), 'vifs[0].mac'],
    ['a bridge name with a space', spec(PV, (s) => (s.vifs[0]!.bridge = 'xen br0')), 'vifs[0].bridge'],
    ['a bridge name of 16 characters', spec(PV, (s) => (s.vifs[0]!.bridge = 'b'.repeat(16))), 'vifs[0].bridge'],
    ['an empty bridge name', spec(PV, (s) => (s.vifs[0]!.bridge = '')), 'vifs[0].bridge'],
    ['a rate without a unit', spec(PV, (s) => (s.vifs[0]!.rate = '100')), 'vifs[0].rate'],
    ['a rate without a period', spec(PV, (s) => (s.vifs[0]!.rate = '100Mb')), 'vifs[0].rate'],
    ['a rate with a space', spec(PV, (s) => (s.vifs[0]!.rate = '100 Mb/s')), 'vifs[0].rate'],
    ['a NIC model on a pv guest', spec(PV, (s) => (s.vifs[0]!.model = 'e1000')), 'vifs[0].model'],
    ['an unknown NIC model on an hvm guest', spec(HVM, (s) => (s.vifs[0]!.model = 'ne2k_pci')), 'vifs[0].model'],
    ['an ip that is a hostname', spec(PV, (s) => (s.vifs[0]!.ip = 'gw.example')), 'vifs[0].ip'],
    ['an ip with an octet over 255', spec(PV, (s) => (s.vifs[0]!.ip = '10.0.0.256')), 'vifs[0].ip'],
    ['an ip with a prefix', spec(PV, (s) => (s.vifs[0]!.ip = '10.0.0.5/24')), 'vifs[0].ip'],
    ['an ip with a leading zero', spec(PV, (s) => (s.vifs[0]!.ip = '10.0.0.05')), 'vifs[0].ip'],
  ];

  it.each(cases)('%s', (_name, s, field) => {
    expect(rejectedField(s)).toBe(field);
  });

  it.each(['on_poweroff', 'on_reboot', 'on_crash'] as const)('an unknown lifecycle action in %s', (field) => {
    const key = ({ on_poweroff: 'onPoweroff', on_reboot: 'onReboot', on_crash: 'onCrash' } as const)[field];
    expect(rejectedField(spec(PV, (s) => (s[key] = 'LIFECYCLE_ACTION_EXPLODE' as LifecycleAction)))).toBe(field);
    expect(rejectedField(spec(PV, (s) => (s[key] = LifecycleAction.UNRECOGNIZED)))).toBe(field);
  });

  it('an hdX vdev that an hvm guest may use is fine there', () => {
    for (const vdev of ['hda', 'hdd', 'xvda', 'xvdaa'])
      expect(() => validateDomainSpec(spec(HVM, (s) => (s.disks[0]!.vdev = vdev)))).not.toThrow();
  });

  // a dot segment right after the root is as much a traversal as one further in
  it('a kernel path whose first segment is ..', () => {
    expect(rejectedField(spec(PV, (s) => (s.boot!.kernel = '/../etc/shadow')))).toBe('boot.kernel');
  });
});

describe('validateDomainSpec against values built to inject config', () => {
  const payloads = [
    '"\nmemory = 999999',
    "', target=/etc/shadow'",
    '\nbootloader = "/bin/sh"',
    '"; on_crash = "preserve',
    "]\nvif = [ 'bridge=evil' ]",
    ',script=/tmp/evil',
    '\\"',
    '\r\nmaxmem = 1',
    "'",
    '#',
  ];

  // every string that reaches the config, with a valid value in front of the payload
  const fields: [string, GuestType, (s: DomainSpec, v: string) => void][] = [
    ['vm_id', PV, (s, v) => (s.vmId += v)],
    ['cpus', PV, (s, v) => (s.cpus = `0-3${v}`)],
    ['boot.kernel', PV, (s, v) => (s.boot!.kernel += v)],
    ['boot.ramdisk', PV, (s, v) => (s.boot!.ramdisk += v)],
    ['boot.cmdline', PV, (s, v) => (s.boot!.cmdline += v)],
    ['boot.bootloader', PV, (s, v) => (s.boot!.bootloader = `pygrub${v}`)],
    ['boot.hvm_boot', HVM, (s, v) => (s.boot!.hvmBoot += v)],
    ['boot.serial', HVM, (s, v) => (s.boot!.serial += v)],
    ['disks[0].target', PV, (s, v) => (s.disks[0]!.target = `/srv/disk.img${v}`)],
    ['disks[0].format', PV, (s, v) => (s.disks[0]!.format += v)],
    ['disks[0].vdev', PV, (s, v) => (s.disks[0]!.vdev += v)],
    ['disks[0].access', PV, (s, v) => (s.disks[0]!.access += v)],
    ['vifs[0].mac', PV, (s, v) => (s.vifs[0]!.mac += v)],
    ['vifs[0].bridge', PV, (s, v) => (s.vifs[0]!.bridge += v)],
    ['vifs[0].rate', PV, (s, v) => (s.vifs[0]!.rate = `100Mb/s${v}`)],
    ['vifs[0].model', HVM, (s, v) => (s.vifs[0]!.model += v)],
    ['vifs[0].ip', PV, (s, v) => (s.vifs[0]!.ip = `10.0.0.5${v}`)],
  ];

  it.each(fields)('refuses every payload in %s', (field, type, set) => {
    for (const payload of payloads) {
      expect({ payload, field: rejectedField(spec(type, (s) => set(s, payload))) }).toEqual({ payload, field });
    }
  });
});

describe('validateDomainSpec and the config drive', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ lab@xenplane';
  const cloudInit = { instanceId: VM_ID, hostname: 'web-1', sshKeys: [KEY], userData: Buffer.alloc(0), interfaces: [] };

  it.each([
    ['pv', PV, 'xvdz'],
    ['pvh', PVH, 'xvdz'],
    ['hvm', HVM, 'hdd'],
  ])("refuses a %s disk on the config drive's device %s when the spec has a drive", (_, type, vdev) => {
    const s = spec(type, (x) => {
      x.disks.push(disk(vdev));
      x.cloudInit = cloudInit;
    });
    expect(rejectionOf(s)).toMatchObject({
      code: 'invalid_argument',
      message: `disks[1].vdev: ${vdev} is the config drive's device`,
    });
  });

  it.each([
    ['pv', PV, 'xvdz'],
    ['hvm', HVM, 'hdd'],
  ])('lets a %s disk use %s when the spec has no drive', (_, type, vdev) => {
    expect(() => validateDomainSpec(spec(type, (x) => x.disks.push(disk(vdev))))).not.toThrow();
  });
});
