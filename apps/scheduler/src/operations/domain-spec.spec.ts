import type { Image, Vm } from '@xenplane/db';
import { cloudInitFor, diskSpecsFor, domainSpecFor, rootDiskImageId } from './domain-spec';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ alice@laptop';

const vm = (over: Partial<Vm> = {}) =>
  ({
    id: '6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10',
    name: 'ci-runner-2',
    guestType: 'pvh',
    vcpus: 1,
    memoryMb: 256,
    diskGb: 0,
    sshKeys: [KEY],
    userData: '#cloud-config\nhostname: é\n',
    ...over,
  }) as Vm;

const image = {
  kernel: '/boot/vmlinuz',
  ramdisk: null,
  cmdline: null,
  bootloader: null,
  source: null,
  diskFormat: 'raw',
} as Image;

const vif = (device: number, bridge = 'xenbr0') => ({
  device,
  mac: `00:16:3e:00:00:0${device}`,
  ip: `10.0.${device}.10`,
  bridge,
  networkId: `n${device}`,
  network: `net${device}`,
  prefix: 24,
  gateway: `10.0.${device}.1`,
  dns: [`10.0.${device}.1`, '9.9.9.9'],
});

describe("a VM's config drive in its domain spec", () => {
  it('tells the guest its id, its name, its keys and its user-data, byte for byte', () => {
    expect(domainSpecFor(vm(), image, 3, [], []).cloudInit).toEqual({
      instanceId: '6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10',
      hostname: 'ci-runner-2',
      sshKeys: [KEY],
      userData: Buffer.from('#cloud-config\nhostname: é\n', 'utf8'),
      interfaces: [],
    });
  });

  it('is there without keys or user-data too (hostname and instance id), empty user-data then', () => {
    expect(cloudInitFor(vm({ sshKeys: [], userData: null }))).toEqual({
      instanceId: '6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10',
      hostname: 'ci-runner-2',
      sshKeys: [],
      userData: Buffer.alloc(0),
      interfaces: [],
    });
  });

  it('carries the network configuration when it is given one', () => {
    const nic = {
      mac: '00:16:3e:01:02:03',
      addresses: ['10.0.0.5/24'],
      gateway: '10.0.0.1',
      nameservers: ['10.0.0.2'],
    };
    expect(cloudInitFor(vm(), [nic]).interfaces).toEqual([nic]);
  });

  it("tells the guest each of its addresses with its network's prefix, gateway and DNS, eth0 first", () => {
    expect(domainSpecFor(vm(), image, 3, [vif(1), vif(0)], []).cloudInit?.interfaces).toEqual([
      {
        mac: '00:16:3e:00:00:00',
        addresses: ['10.0.0.10/24'],
        gateway: '10.0.0.1',
        nameservers: ['10.0.0.1', '9.9.9.9'],
      },
      {
        mac: '00:16:3e:00:00:01',
        addresses: ['10.0.1.10/24'],
        gateway: '10.0.1.1',
        nameservers: ['10.0.1.1', '9.9.9.9'],
      },
    ]);
  });
});

describe("a VM's vifs in its domain spec", () => {
  it('builds one vif per address the VM holds, in device order, with its MAC, bridge and address', () => {
    expect(domainSpecFor(vm(), image, 3, [vif(1, 'br-dmz'), vif(0)], []).vifs).toEqual([
      { mac: '00:16:3e:00:00:00', bridge: 'xenbr0', ip: '10.0.0.10', rate: '', model: '' },
      { mac: '00:16:3e:00:00:01', bridge: 'br-dmz', ip: '10.0.1.10', rate: '', model: '' },
    ]);
  });

  it('gives an hvm guest an emulated e1000 for each', () => {
    expect(domainSpecFor(vm({ guestType: 'hvm' }), image, 3, [vif(0)], []).vifs.map((v) => v.model)).toEqual(['e1000']);
  });

  it('builds no vif for a VM without an address', () => {
    expect(domainSpecFor(vm({ guestType: 'pv' }), image, 3, [], []).vifs).toEqual([]);
  });
});

describe("a VM's disks in its domain spec", () => {
  const NOT_SHARED = { sharedDevice: '', sharedOffsetBytes: 0 };
  it('builds one disk per row: blank, or a clone of the image the row names', () => {
    const rows = [
      { kind: 'root' as const, device: 'xvda', sizeGb: 10, imageId: 'img-1' },
      { kind: 'data' as const, device: 'xvdb', sizeGb: 5, imageId: null },
    ];
    expect(domainSpecFor(vm({ diskGb: 15 }), image, 3, [], rows).disks).toEqual([
      { target: '', format: 'raw', vdev: 'xvda', access: 'rw', sizeGb: 10, imageId: 'img-1', ...NOT_SHARED },
      { target: '', format: 'raw', vdev: 'xvdb', access: 'rw', sizeGb: 5, imageId: '', ...NOT_SHARED },
    ]);
  });

  it('names a shared disk’s device and its extent’s offset in bytes, and refuses one with no extent yet', () => {
    const shared = { kind: 'root' as const, device: 'xvda', sizeGb: 1, imageId: null, sharedDevice: '/dev/xp-shared' };
    expect(domainSpecFor(vm({ diskGb: 1 }), image, 3, [], [{ ...shared, offsetMb: 1025 }]).disks).toEqual([
      {
        target: '',
        format: 'raw',
        vdev: 'xvda',
        access: 'rw',
        sizeGb: 1,
        imageId: '',
        sharedDevice: '/dev/xp-shared',
        sharedOffsetBytes: 1025 * 1024 * 1024,
      },
    ]);
    expect(() => domainSpecFor(vm({ diskGb: 1 }), image, 3, [], [{ ...shared, offsetMb: null }])).toThrow(
      /no extent yet/,
    );
  });

  it('builds a row-less VM as before: a blank root disk when its image boots from a disk, else none', () => {
    const fromDisk = { ...image, kernel: null, bootloader: 'pygrub', source: '/images/d.img' } as Image;
    expect(diskSpecsFor(vm({ diskGb: 10 }), fromDisk, [])).toEqual([
      { target: '', format: 'raw', vdev: 'xvda', access: 'rw', sizeGb: 10, imageId: '', ...NOT_SHARED },
    ]);
    expect(diskSpecsFor(vm({ diskGb: 10, guestType: 'hvm' }), image, [])).toMatchObject([{ vdev: 'hda', sizeGb: 10 }]);
    expect(diskSpecsFor(vm({ diskGb: 10 }), image, [])).toEqual([]);
  });
});

describe("a VM's root disk and its image", () => {
  const uploaded = { ...image, id: '0b7e4c52-7d2a-4f7e-9d55-3f1e2a9c8b01', sha256: 'a'.repeat(64) } as Image;

  it('is a clone of the image when the image has uploaded content (raw)', () => {
    expect(rootDiskImageId(uploaded)).toBe(uploaded.id);
  });

  it('is blank (no image id) for an image without content, as seeded kernel-boot images are', () => {
    expect(rootDiskImageId({ ...uploaded, sha256: null })).toBe('');
    expect(rootDiskImageId({ ...uploaded, diskFormat: 'qcow2' })).toBe('');
    const hvm = domainSpecFor(
      vm({ diskGb: 4, guestType: 'hvm' }),
      { ...image, id: uploaded.id, sha256: null } as Image,
      1,
      [],
      [],
    );
    expect(hvm.disks.map((d) => d.imageId)).toEqual(['']);
    // a pv image booting its kernel with no content gets no disk at all, as before
    expect(domainSpecFor(vm({ diskGb: 4 }), { ...image, sha256: null } as Image, 1, [], []).disks).toEqual([]);
  });
});
