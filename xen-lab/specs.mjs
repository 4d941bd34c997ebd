// The host agent's own config renderer, loaded from the compiled build (dist/), and a table of
// DomainSpecs that together use every xl.cfg key and value kind the renderer can produce.
// Used by record-fixtures.mjs (to boot a real guest from a rendered config) and
// dry-run-configs.mjs (every row through `xl -N create` inside the lab).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { LAB_DIR } from './lab.mjs';

export const ROOT = join(LAB_DIR, '..');
const DIST = process.env.XENPLANE_DIST_DIR ?? join(ROOT, 'dist');

/** { renderXlConfig, validateDomainSpec, GuestType, LifecycleAction } from dist/. */
export function loadDriver() {
  const drivers = join(DIST, 'apps/host-agent/src/drivers');
  if (!existsSync(join(drivers, 'xl/xl-config.js')))
    throw new Error(`xen-lab: ${drivers} is missing; run: node scripts/build.mjs`);
  const require = createRequire(import.meta.url);
  const { renderXlConfig } = require(join(drivers, 'xl/xl-config.js'));
  const { validateDomainSpec } = require(join(drivers, 'spec-validation.js'));
  const { GuestType, LifecycleAction } = require(join(DIST, 'libs/proto/src/index.js'));
  return { renderXlConfig, validateDomainSpec, GuestType, LifecycleAction };
}

// files that exist inside the lab dom0 (see lab.mjs buildDom0 and the dry-run script)
export const DOM0_KERNEL = '/boot/vmlinuz';
export const DOM0_RAMDISK = '/boot/tiny.cpio.gz';
export const DISK_DIR = '/var/lib/xen-lab';

/** A spec the way the API would send it: every field present, zero values for "unset". */
export function baseSpec(d, type, vmId) {
  return {
    vmId,
    name: 'lab',
    guestType: d.GuestType[type],
    vcpus: 1,
    maxVcpus: 0,
    memoryMb: 256,
    maxMemoryMb: 0,
    cpus: '',
    boot: { kernel: '', ramdisk: '', cmdline: '', bootloader: '', hvmBoot: '', serial: '', vnc: false },
    disks: [],
    vifs: [],
    onPoweroff: d.LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED,
    onReboot: d.LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED,
    onCrash: d.LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED,
    epoch: 1,
  };
}

/** A stable, valid lowercase UUID per row (the renderer names the domain xp-<uuid>). */
export const uuidFor = (i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const disk = (name, format, vdev, access) => ({ target: `${DISK_DIR}/${name}`, format, vdev, access, sizeGb: 0 });
const vif = (n, extra = {}) => ({
  mac: `00:16:3e:00:00:${n.toString(16).padStart(2, '0')}`,
  bridge: 'xenbr0',
  rate: '',
  model: '',
  ...extra,
});
// a config drive (NoCloud, rendered as the ISO the agent builds at configs/<vmId>-cidata.iso)
const withConfigDrive = (s) =>
  (s.cloudInit = { instanceId: s.vmId, hostname: 'lab', sshKeys: [], userData: Buffer.alloc(0), interfaces: [] });
const pvBoot = (s) => Object.assign(s.boot, { kernel: DOM0_KERNEL, ramdisk: DOM0_RAMDISK, cmdline: 'console=hvc0' });

/**
 * [name, type, edit(spec, LifecycleAction)] rows. Each must pass validateDomainSpec: they are
 * what the agent may really write, so each must also pass xl's own parser.
 */
export function configTable(d) {
  const A = d.LifecycleAction;
  const rows = [
    ['pv-kernel-minimal', 'GUEST_TYPE_PV', (s) => (s.boot.kernel = DOM0_KERNEL)],
    [
      'pv-kernel-ramdisk-extra',
      'GUEST_TYPE_PV',
      (s) =>
        Object.assign(s.boot, {
          kernel: DOM0_KERNEL,
          ramdisk: DOM0_RAMDISK,
          cmdline: 'root=/dev/xvda1 ro console=hvc0 ip=dhcp quiet panic=-1 a=b:c/d+e@f',
        }),
    ],
    [
      'pv-pygrub',
      'GUEST_TYPE_PV',
      (s) => {
        s.boot.bootloader = 'pygrub';
        s.disks = [disk('pv.raw', 'raw', 'xvda', 'rw')];
      },
    ],
    [
      'pv-memory-maxmem-vcpus-maxvcpus',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        Object.assign(s, { memoryMb: 256, maxMemoryMb: 768, vcpus: 2, maxVcpus: 8 });
      },
    ],
    [
      'pv-memory-16mb',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.memoryMb = 16;
      },
    ],
    [
      'pv-memory-1tb-512-vcpus',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        Object.assign(s, { memoryMb: 1024 * 1024, vcpus: 512 });
      },
    ],
    [
      'pv-cpus-single',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.cpus = '0';
      },
    ],
    [
      'pv-cpus-list-ranges',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        Object.assign(s, { vcpus: 2, cpus: '0-3,6' });
      },
    ],
    [
      'pv-cpus-all',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.cpus = 'all';
      },
    ],
    [
      'pv-disks-raw-qcow2-rw-ro',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.disks = [
          disk('a.raw', 'raw', 'xvda', 'rw'),
          disk('b.qcow2', 'qcow2', 'xvdb', 'ro'),
          disk('c.raw', 'raw', 'xvdc', 'ro'),
          disk('d.qcow2', 'qcow2', 'xvdd', 'rw'),
        ];
      },
    ],
    [
      'pv-disk-two-letter-vdev',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.disks = [disk('a.raw', 'raw', 'xvda', 'rw'), disk('aa.raw', 'raw', 'xvdaa', 'rw')];
      },
    ],
    [
      'pv-16-disks',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.disks = 'abcdefghijklmnop'.split('').map((l) => disk(`${l}.raw`, 'raw', `xvd${l}`, 'rw'));
      },
    ],
    [
      'pv-vifs-mac-bridge-rate',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.vifs = [
          vif(1),
          vif(2, { rate: '100Mb/s' }),
          vif(3, { rate: '10MB/s', bridge: 'br-ext.100' }),
          vif(4, { rate: '1Gb/s' }),
        ];
      },
    ],
    [
      'pv-vif-rate-kilo-bytes',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.vifs = [vif(6, { rate: '512KB/s' })];
      },
    ],
    [
      'pv-vif-rate-no-unit-prefix',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.vifs = [vif(7, { rate: '1000000b/s' })];
      },
    ],
    [
      'pv-8-vifs',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        s.vifs = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => vif(n));
      },
    ],
    ['pvh-kernel', 'GUEST_TYPE_PVH', (s) => pvBoot(s)],
    [
      'pvh-full',
      'GUEST_TYPE_PVH',
      (s) => {
        pvBoot(s);
        Object.assign(s, { memoryMb: 512, maxMemoryMb: 512, vcpus: 2, maxVcpus: 4, cpus: '0' });
        s.disks = [disk('a.raw', 'raw', 'xvda', 'rw'), disk('b.qcow2', 'qcow2', 'xvdb', 'ro')];
        s.vifs = [vif(9, { rate: '100Mb/s' })];
      },
    ],
    [
      'pvh-disk-config-drive',
      'GUEST_TYPE_PVH',
      (s) => {
        pvBoot(s);
        s.disks = [disk('a.raw', 'raw', 'xvda', 'rw')];
        withConfigDrive(s);
      },
    ],
    [
      'pv-config-drive-only',
      'GUEST_TYPE_PV',
      (s) => {
        pvBoot(s);
        withConfigDrive(s);
      },
    ],
    ['hvm-defaults', 'GUEST_TYPE_HVM', () => undefined],
    [
      'hvm-disk-config-drive-cdrom',
      'GUEST_TYPE_HVM',
      (s) => {
        s.disks = [disk('a.raw', 'raw', 'hda', 'rw')];
        withConfigDrive(s);
      },
    ],
    [
      'hvm-boot-dc-serial-pty-vnc-on',
      'GUEST_TYPE_HVM',
      (s) => {
        Object.assign(s.boot, { hvmBoot: 'dc', serial: 'pty', vnc: true });
        s.disks = [disk('a.raw', 'raw', 'hda', 'rw'), disk('b.qcow2', 'qcow2', 'hdb', 'ro')];
      },
    ],
    ['hvm-boot-n-vnc-off', 'GUEST_TYPE_HVM', (s) => Object.assign(s.boot, { hvmBoot: 'n', vnc: false })],
    ['hvm-boot-cdn', 'GUEST_TYPE_HVM', (s) => (s.boot.hvmBoot = 'cdn')],
    [
      'hvm-disks-hd-and-xvd',
      'GUEST_TYPE_HVM',
      (s) => {
        s.disks = [
          disk('a.raw', 'raw', 'hda', 'rw'),
          disk('d.qcow2', 'qcow2', 'hdd', 'ro'),
          disk('x.raw', 'raw', 'xvde', 'rw'),
        ];
      },
    ],
    [
      'hvm-vif-models',
      'GUEST_TYPE_HVM',
      (s) => {
        s.vifs = [
          vif(10),
          vif(11, { model: 'e1000' }),
          vif(12, { model: 'rtl8139', rate: '100Mb/s' }),
          vif(13, { model: 'virtio-net' }),
        ];
      },
    ],
    [
      'hvm-kernel-direct-boot',
      'GUEST_TYPE_HVM',
      (s) => Object.assign(s.boot, { kernel: DOM0_KERNEL, ramdisk: DOM0_RAMDISK, cmdline: 'console=ttyS0' }),
    ],
    [
      'hvm-full',
      'GUEST_TYPE_HVM',
      (s) => {
        Object.assign(s, { memoryMb: 1024, maxMemoryMb: 2048, vcpus: 2, maxVcpus: 4, cpus: '0-1' });
        Object.assign(s.boot, { hvmBoot: 'c', serial: 'pty', vnc: true });
        s.disks = [disk('a.raw', 'raw', 'hda', 'rw')];
        s.vifs = [vif(14, { model: 'e1000', rate: '50Mb/s' })];
      },
    ],
  ];
  // every lifecycle action on every one of the three keys
  for (const [name, action] of Object.entries(A)) {
    if (name === 'UNRECOGNIZED' || name === 'LIFECYCLE_ACTION_UNSPECIFIED') continue;
    const short = name.replace('LIFECYCLE_ACTION_', '').toLowerCase().replace(/_/g, '-');
    for (const type of ['GUEST_TYPE_PV', 'GUEST_TYPE_HVM']) {
      rows.push([
        `${type === 'GUEST_TYPE_PV' ? 'pv' : 'hvm'}-actions-${short}`,
        type,
        (s) => {
          if (type === 'GUEST_TYPE_PV') pvBoot(s);
          Object.assign(s, { onPoweroff: action, onReboot: action, onCrash: action });
        },
      ]);
    }
  }
  return rows;
}

/**
 * Renders every row of the table: [{ name, spec, cfg, configDrive }] (configDrive: the ISO path a
 * row with cloudInit attaches, else undefined). Throws if a row fails validation.
 */
export function renderTable(d = loadDriver()) {
  return configTable(d).map(([name, type, edit], i) => {
    const spec = baseSpec(d, type, uuidFor(i + 1));
    edit(spec, d.LifecycleAction);
    const valid = d.validateDomainSpec(spec);
    const configDrive = valid.cloudInit ? `${DISK_DIR}/${spec.vmId}-cidata.iso` : undefined;
    const cfg = d.renderXlConfig(valid, { diskTargets: valid.disks.map((x) => x.target), configDrive });
    return { name, spec, cfg, configDrive };
  });
}
