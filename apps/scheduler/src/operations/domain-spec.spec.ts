import type { Image, Vm } from '@xenplane/db';
import { cloudInitFor, domainSpecFor } from './domain-spec';

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

const image = { kernel: '/boot/vmlinuz', ramdisk: null, cmdline: null, bootloader: null, source: null } as Image;

describe("a VM's config drive in its domain spec", () => {
  it('tells the guest its id, its name, its keys and its user-data, byte for byte', () => {
    expect(domainSpecFor(vm(), image, 3).cloudInit).toEqual({
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
});
