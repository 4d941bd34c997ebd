import type { Image, Vm } from '@xenplane/db';
import { domainSpecFor } from './domain-spec';

const vm = (guestType: Vm['guestType']) =>
  ({ id: '00000000-0000-4000-8000-000000000001', name: 'v', guestType, vcpus: 1, memoryMb: 128, diskGb: 1 }) as Vm;
const image = {
  kernel: '/k',
  ramdisk: null,
  cmdline: null,
  bootloader: null,
  source: null,
  diskFormat: 'raw',
} as Image;
const vif = (device: number, bridge = 'xenbr0') => ({
  device,
  mac: `00:16:3e:00:00:0${device}`,
  ip: `10.0.0.${10 + device}`,
  bridge,
  networkId: `n${device}`,
  network: `net${device}`,
});

describe('domainSpecFor', () => {
  it('builds one vif per address the VM holds, in device order, with its MAC, bridge and address', () => {
    expect(domainSpecFor(vm('pvh'), image, 3, [vif(1, 'br-dmz'), vif(0)]).vifs).toEqual([
      { mac: '00:16:3e:00:00:00', bridge: 'xenbr0', ip: '10.0.0.10', rate: '', model: '' },
      { mac: '00:16:3e:00:00:01', bridge: 'br-dmz', ip: '10.0.0.11', rate: '', model: '' },
    ]);
  });

  it('gives an hvm guest an emulated e1000 for each', () => {
    expect(domainSpecFor(vm('hvm'), image, 3, [vif(0)]).vifs.map((v) => v.model)).toEqual(['e1000']);
  });

  it('builds no vif for a VM without an address', () => {
    expect(domainSpecFor(vm('pv'), image, 3, []).vifs).toEqual([]);
  });
});
