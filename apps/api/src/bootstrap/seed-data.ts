import type { GuestType } from '@xenplane/db';

/**
 * What a fresh cloud starts with. Images point at files inside each host's dom0: the xen-lab
 * builds exactly these (xen-lab/README.md), a real deployment replaces them.
 */
export const SEED_FLAVORS = [
  { name: 'xp.micro', vcpus: 1, memoryMb: 128, diskGb: 1 },
  { name: 'm1.tiny', vcpus: 1, memoryMb: 512, diskGb: 5 },
  { name: 'm1.small', vcpus: 1, memoryMb: 2048, diskGb: 20 },
  { name: 'm1.medium', vcpus: 2, memoryMb: 4096, diskGb: 40 },
  { name: 'm1.large', vcpus: 4, memoryMb: 8192, diskGb: 80 },
];

const TINY = '/var/lib/xenplane/images/tiny';

export const SEED_IMAGES: {
  name: string;
  guestType: GuestType;
  sizeGb: number;
  kernel?: string;
  ramdisk?: string;
  cmdline?: string;
  bootloader?: string;
  source?: string;
}[] = [
  {
    name: 'tiny-pv',
    guestType: 'pv',
    sizeGb: 1,
    kernel: `${TINY}/vmlinuz`,
    ramdisk: `${TINY}/initrd.gz`,
    cmdline: 'console=hvc0',
  },
  {
    name: 'tiny-pvh',
    guestType: 'pvh',
    sizeGb: 1,
    kernel: `${TINY}/vmlinuz`,
    ramdisk: `${TINY}/initrd.gz`,
    cmdline: 'console=hvc0',
  },
  {
    name: 'debian-12-pv',
    guestType: 'pv',
    sizeGb: 10,
    bootloader: 'pygrub',
    source: '/var/lib/xenplane/images/debian-12.img',
  },
  { name: 'debian-12-hvm', guestType: 'hvm', sizeGb: 10, source: '/var/lib/xenplane/images/debian-12.img' },
];

export const DEFAULT_POOL = 'default';

/**
 * The default pool's default network, so that a VM made as the quick start makes it has an
 * address: `xenbr0` as Xen's guides name the bridge, a /16 so that the pool is not full at 250
 * VMs (a CI burst, the benchmarks), its first addresses left for the gateway and whatever else
 * the operator puts there.
 */
export const DEFAULT_NETWORK = {
  name: 'default',
  bridge: 'xenbr0',
  cidr: '10.0.0.0/16',
  gateway: '10.0.0.1',
  dns: ['10.0.0.1'],
  rangeStart: '10.0.0.10',
  rangeEnd: '10.0.255.254',
};
export const ADMIN_PROJECT = 'admin';
