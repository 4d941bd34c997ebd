import { createHash } from 'node:crypto';
import type { Image, Vm } from '@xenplane/db';
import { type CloudInit, type DomainSpec, type GuestInterface, GuestType, LifecycleAction } from '@xenplane/proto';

const GUEST: Record<Vm['guestType'], GuestType> = {
  pv: GuestType.GUEST_TYPE_PV,
  pvh: GuestType.GUEST_TYPE_PVH,
  hvm: GuestType.GUEST_TYPE_HVM,
};

/** A stable MAC in Xen's own OUI (00:16:3e), derived from the VM id. */
export function macFor(vmId: string, index = 0): string {
  const h = createHash('sha256').update(`${vmId}/${index}`).digest();
  // the top bit of the first byte after the OUI stays clear: keeps clear of multicast-like ranges
  return [
    '00',
    '16',
    '3e',
    (h[0]! & 0x7f).toString(16).padStart(2, '0'),
    h[1]!.toString(16).padStart(2, '0'),
    h[2]!.toString(16).padStart(2, '0'),
  ].join(':');
}

/**
 * What the VM's guest is told about itself through its config drive (cloud-init NoCloud): its
 * id, its name as hostname, the SSH keys and user-data it was created with, and, given its
 * interfaces (addresses on networks), its network configuration; without, the guest does DHCP.
 */
export function cloudInitFor(
  vm: Pick<Vm, 'id' | 'name' | 'sshKeys' | 'userData'>,
  interfaces: GuestInterface[] = [],
): CloudInit {
  return {
    instanceId: vm.id,
    hostname: vm.name,
    sshKeys: vm.sshKeys,
    userData: Buffer.from(vm.userData ?? '', 'utf8'),
    interfaces,
  };
}

/**
 * What the agent is asked to build for a VM: its size from the flavor it was created with,
 * its boot from the image, one root disk the agent provisions, one vif on the pool bridge,
 * and its config drive (cloudInitFor).
 */
export function domainSpecFor(vm: Vm, image: Image, epoch: number, bridge = 'xenbr0'): DomainSpec {
  const hvm = vm.guestType === 'hvm';
  return {
    vmId: vm.id,
    name: vm.name,
    guestType: GUEST[vm.guestType],
    vcpus: vm.vcpus,
    maxVcpus: vm.vcpus,
    memoryMb: vm.memoryMb,
    maxMemoryMb: vm.memoryMb,
    cpus: '',
    boot: {
      kernel: image.kernel ?? '',
      ramdisk: image.ramdisk ?? '',
      cmdline: image.cmdline ?? '',
      bootloader: image.bootloader ?? '',
      hvmBoot: hvm ? 'c' : '',
      serial: hvm ? 'pty' : '',
      vnc: false,
    },
    disks:
      vm.diskGb > 0 && (image.source || hvm || image.bootloader)
        ? [{ target: '', format: image.diskFormat, vdev: hvm ? 'hda' : 'xvda', access: 'rw', sizeGb: vm.diskGb }]
        : [],
    vifs: [{ mac: macFor(vm.id), bridge, rate: '', model: hvm ? 'e1000' : '' }],
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch,
    cloudInit: cloudInitFor(vm),
  };
}
