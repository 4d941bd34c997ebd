import type { Image, Vm, VmDisk, VmVif } from '@xenplane/db';
import {
  type DiskSpec,
  type CloudInit,
  type DomainSpec,
  type GuestInterface,
  GuestType,
  LifecycleAction,
} from '@xenplane/proto';

const GUEST: Record<Vm['guestType'], GuestType> = {
  pv: GuestType.GUEST_TYPE_PV,
  pvh: GuestType.GUEST_TYPE_PVH,
  hvm: GuestType.GUEST_TYPE_HVM,
};

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
 * The image a VM's root disk is a copy-on-write clone of (DiskSpec.image_id): the image itself
 * when it has uploaded content (raw, the only format uploaded; the scheduler pushes it to the
 * host first, image-push.ts); '' for an image without (seeded kernel-boot images: a blank root
 * disk, as before).
 */
export function rootDiskImageId(image: Pick<Image, 'id' | 'sha256' | 'diskFormat'>): string {
  return image.sha256 && image.diskFormat === 'raw' ? image.id : '';
}

/** A vif as the guest configures it: its address with its network's prefix, gateway and DNS. */
export function guestInterfaceOf(v: VmVif): GuestInterface {
  return { mac: v.mac, addresses: [`${v.ip}/${v.prefix}`], gateway: v.gateway, nameservers: v.dns };
}

/**
 * The disks the agent makes for the VM (once per VM and device, kept until the VM is purged):
 * one per disk row, blank of its size, or a copy-on-write clone of its image (imageId). A VM
 * from before disk rows keeps what it was built with: one blank root disk of its size when its
 * image boots from a disk (a source, a bootloader, or hvm), none for a kernel-booted image.
 */
export function diskSpecsFor(vm: Vm, image: Image, disks: readonly VmDisk[]): DiskSpec[] {
  const hvm = vm.guestType === 'hvm';
  if (disks.length > 0)
    return disks.map((d) => ({
      target: '',
      format: 'raw',
      vdev: d.device,
      access: 'rw',
      sizeGb: d.sizeGb,
      imageId: d.imageId ?? '',
      ...sharedPart(d),
    }));
  if (vm.diskGb <= 0 || !(image.source || hvm || image.bootloader)) return [];
  return [
    {
      target: '',
      format: image.diskFormat,
      vdev: hvm ? 'hda' : 'xvda',
      access: 'rw',
      sizeGb: vm.diskGb,
      imageId: '',
      sharedDevice: '',
      sharedOffsetBytes: 0,
    },
  ];
}

/**
 * A shared storage pool's disk names the pool's device and its extent (allocated before the
 * build: VmRepository.allocateSharedExtents); a local one neither.
 */
function sharedPart(d: VmDisk): Pick<DiskSpec, 'sharedDevice' | 'sharedOffsetBytes'> {
  if (!d.sharedDevice) return { sharedDevice: '', sharedOffsetBytes: 0 };
  if (d.offsetMb === null || d.offsetMb === undefined)
    throw new Error(`disk ${d.device} of a shared storage pool has no extent yet`);
  return { sharedDevice: d.sharedDevice, sharedOffsetBytes: Number(d.offsetMb) * 1024 * 1024 };
}

/**
 * What the agent is asked to build for a VM: its size from the flavor it was created with,
 * its boot from the image, its disks (diskSpecsFor), one vif per address it holds
 * (its MAC and its network's bridge; none without an address), and its config drive
 * (cloudInitFor), which tells the guest those addresses. The vifs and disks are the VM's for its
 * whole life, so a restart or a start elsewhere builds the same MACs (a live migration carries the
 * domain's own config across).
 */
export function domainSpecFor(
  vm: Vm,
  image: Image,
  epoch: number,
  vifs: readonly VmVif[],
  disks: readonly VmDisk[],
): DomainSpec {
  const hvm = vm.guestType === 'hvm';
  const inOrder = [...vifs].sort((a, b) => a.device - b.device);
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
    disks: diskSpecsFor(vm, image, disks),
    vifs: inOrder.map((v) => ({ mac: v.mac, bridge: v.bridge, rate: '', model: hvm ? 'e1000' : '', ip: v.ip })),
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch,
    cloudInit: cloudInitFor(vm, inOrder.map(guestInterfaceOf)),
  };
}
