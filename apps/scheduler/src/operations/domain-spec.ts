import type { Image, Vm, VmVif } from '@xenplane/db';
import { type DomainSpec, GuestType, LifecycleAction } from '@xenplane/proto';

const GUEST: Record<Vm['guestType'], GuestType> = {
  pv: GuestType.GUEST_TYPE_PV,
  pvh: GuestType.GUEST_TYPE_PVH,
  hvm: GuestType.GUEST_TYPE_HVM,
};

/**
 * What the agent is asked to build for a VM: its size from the flavor it was created with,
 * its boot from the image, one root disk the agent provisions, and one vif per address it holds
 * (its MAC and its network's bridge; none without an address). The vifs are the VM's for its
 * whole life, so a restart or a start elsewhere builds the same MACs (a live migration carries
 * the domain's own config across).
 */
export function domainSpecFor(vm: Vm, image: Image, epoch: number, vifs: readonly VmVif[]): DomainSpec {
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
    vifs: [...vifs]
      .sort((a, b) => a.device - b.device)
      .map((v) => ({ mac: v.mac, bridge: v.bridge, rate: '', model: hvm ? 'e1000' : '', ip: v.ip })),
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch,
  };
}
