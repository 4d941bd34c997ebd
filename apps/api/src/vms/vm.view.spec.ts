import { presentVm, type VmRow } from './vm.view';

const at = new Date('2026-12-06T00:00:00Z');
const row = (over: Partial<VmRow> = {}): VmRow =>
  ({
    id: 'vm-1',
    projectId: 'p-1',
    name: 'v',
    state: 'running',
    powerState: 'running',
    hostId: null,
    poolId: null,
    guestType: 'pv',
    vcpus: 1,
    memoryMb: 128,
    diskGb: 15,
    haPriority: 'none',
    serverGroupId: null,
    domId: null,
    expiresAt: null,
    metadata: {},
    errorCode: null,
    errorMessage: null,
    userData: null,
    sshKeys: [],
    createdAt: at,
    updatedAt: at,
    flavor: { id: 'f-1', name: 'm1.tiny' },
    image: { id: 'i-1', name: 'debian' },
    host: null,
    addresses: [],
    disks: [
      { device: 'xvda', kind: 'root', sizeGb: 5, image: { id: 'i-1', name: 'debian' } },
      { device: 'xvdb', kind: 'data', sizeGb: 10, image: null },
    ],
    ...over,
  }) as VmRow;

describe('a VM’s disks in its view', () => {
  it('shows each disk’s device, kind, size and the image a root disk is cloned from, nothing of where it is stored', () => {
    expect(presentVm(row()).disks).toEqual([
      { device: 'xvda', kind: 'root', sizeGb: 5, image: { id: 'i-1', name: 'debian' } },
      { device: 'xvdb', kind: 'data', sizeGb: 10, image: null },
    ]);
  });

  it('shows no disk once the VM is deleted (its rows stay, its disks are gone from its host)', () => {
    expect(presentVm(row({ state: 'deleted' })).disks).toEqual([]);
  });
});
