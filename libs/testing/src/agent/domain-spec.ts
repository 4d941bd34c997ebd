import { randomUUID } from 'node:crypto';
import { type DomainSpec, GuestType, LifecycleAction } from '@xenplane/proto';

/**
 * A small PV guest's spec, as the scheduler sends it for a tiny image (one disk the agent
 * allocates, one NIC), with whatever a test needs changed.
 */
export function testDomainSpec(over: Partial<DomainSpec> = {}): DomainSpec {
  return {
    vmId: randomUUID(),
    name: 'vm',
    guestType: GuestType.GUEST_TYPE_PV,
    vcpus: 1,
    maxVcpus: 1,
    memoryMb: 64,
    maxMemoryMb: 64,
    cpus: '',
    boot: {
      kernel: '/var/lib/xenplane/images/tiny/vmlinuz',
      ramdisk: '',
      cmdline: 'console=hvc0',
      bootloader: '',
      hvmBoot: '',
      serial: '',
      vnc: false,
    },
    disks: [
      {
        target: '',
        format: 'raw',
        vdev: 'xvda',
        access: 'rw',
        sizeGb: 1,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      },
    ],
    vifs: [{ mac: '00:16:3e:00:00:01', bridge: 'xenbr0', rate: '', model: '', ip: '' }],
    onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    onReboot: LifecycleAction.LIFECYCLE_ACTION_RESTART,
    onCrash: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
    epoch: 1,
    cloudInit: undefined,
    ...over,
  };
}
