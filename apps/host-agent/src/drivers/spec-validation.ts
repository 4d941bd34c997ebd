import { type DomainSpec, GuestType, LifecycleAction } from '@xenplane/proto';
import { AgentError } from '../errors';
import { cloudInitRefusal } from './cloud-init-validation';
import { configDriveVdev } from './config-drive';

// Every value that reaches an xl config passes one of these: no quote, comma, bracket or
// newline can get through, so no tenant-influenced value can end a string or add a key.
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// the lookahead runs from the very start, so a `.` or `..` first segment is refused too
export const SAFE_PATH = /^(?!.*\/\.\.?(\/|$))\/[A-Za-z0-9._/+-]{1,255}$/;
// a shared storage pool's device (a LUN every host sees), and its extents' alignment
export const SHARED_DEVICE = /^\/dev\/[A-Za-z0-9._/-]{1,250}$/;
const SHARED_ALIGN = 1024 * 1024;
const CMDLINE = /^[A-Za-z0-9 ._=:/+@-]{0,1024}$/;
const CPU_LIST = /^(all|\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*)$/;
const MAC = /^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/;
const BRIDGE = /^[A-Za-z0-9_.-]{1,15}$/;
// a dotted quad without leading zeros (which some parsers read as octal)
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// whole numbers only: xl 4.17 refuses `1.5Gb/s` (recorded in fixtures/xen-4.17/config-dry-run.json)
const RATE = /^\d{1,9}[KMG]?[bB]\/s$/;
const PV_VDEV = /^xvd[a-z]{1,2}$/;
const HVM_VDEV = /^(hd[a-d]|xvd[a-z]{1,2})$/;
const HVM_BOOT = /^[cdn]{1,3}$/;
const HVM_NIC_MODELS = new Set(['', 'e1000', 'rtl8139', 'virtio-net']);

export const MAX_VCPUS = 512;
export const MAX_MEMORY_MB = 16 * 1024 * 1024;

function fail(field: string, message: string): never {
  throw new AgentError('invalid_argument', `${field}: ${message}`);
}

/** A spec with its defaults filled in (maxvcpus = vcpus, maxmem = memory). */
export type ValidSpec = DomainSpec & { maxVcpus: number; maxMemoryMb: number };

/** Checks a domain spec as xl would, and more strictly: throws invalid_argument naming the field. */
export function validateDomainSpec(spec: DomainSpec): ValidSpec {
  if (!UUID.test(spec.vmId)) fail('vm_id', 'must be a lowercase UUID');
  const type = spec.guestType;
  if (type !== GuestType.GUEST_TYPE_PV && type !== GuestType.GUEST_TYPE_PVH && type !== GuestType.GUEST_TYPE_HVM)
    fail('guest_type', 'must be pv, pvh or hvm');
  const hvm = type === GuestType.GUEST_TYPE_HVM;
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1 || spec.vcpus > MAX_VCPUS)
    fail('vcpus', `must be 1..${MAX_VCPUS}`);
  const maxVcpus = spec.maxVcpus || spec.vcpus;
  if (maxVcpus < spec.vcpus || maxVcpus > MAX_VCPUS) fail('max_vcpus', 'must be at least vcpus');
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 16 || spec.memoryMb > MAX_MEMORY_MB)
    fail('memory_mb', `must be 16..${MAX_MEMORY_MB}`);
  const maxMemoryMb = spec.maxMemoryMb || spec.memoryMb;
  if (maxMemoryMb < spec.memoryMb || maxMemoryMb > MAX_MEMORY_MB) fail('max_memory_mb', 'must be at least memory_mb');
  if (spec.cpus && !CPU_LIST.test(spec.cpus)) fail('cpus', 'must be a cpu list like 0-3,6');

  const boot = spec.boot;
  if (boot) {
    for (const [field, value] of [
      ['kernel', boot.kernel],
      ['ramdisk', boot.ramdisk],
    ] as const) {
      if (value && !SAFE_PATH.test(value)) fail(`boot.${field}`, 'must be an absolute path of plain characters');
    }
    if (!CMDLINE.test(boot.cmdline)) fail('boot.cmdline', 'holds characters a kernel command line here may not');
    if (boot.bootloader && boot.bootloader !== 'pygrub') fail('boot.bootloader', 'only pygrub is supported');
    if (boot.bootloader && type !== GuestType.GUEST_TYPE_PV)
      fail('boot.bootloader', 'only pv guests boot through pygrub');
    if (boot.hvmBoot && (!hvm || !HVM_BOOT.test(boot.hvmBoot)))
      fail('boot.hvm_boot', 'is for hvm guests, e.g. "c" or "dc"');
    if (boot.serial && (!hvm || boot.serial !== 'pty')) fail('boot.serial', 'is "pty", for hvm guests');
    if (boot.vnc && !hvm) fail('boot.vnc', 'is for hvm guests');
  }
  if (type === GuestType.GUEST_TYPE_PV && !boot?.kernel && !boot?.bootloader)
    fail('boot', 'a pv guest needs a kernel or a bootloader');
  if (type === GuestType.GUEST_TYPE_PVH && !boot?.kernel) fail('boot.kernel', 'a pvh guest needs a kernel');

  if (spec.disks.length > 16) fail('disks', 'at most 16');
  const vdevs = new Set<string>();
  spec.disks.forEach((d, i) => {
    if (d.target && !SAFE_PATH.test(d.target))
      fail(`disks[${i}].target`, 'must be an absolute path of plain characters');
    if (!['raw', 'qcow2'].includes(d.format)) fail(`disks[${i}].format`, 'must be raw or qcow2');
    if (!(hvm ? HVM_VDEV : PV_VDEV).test(d.vdev))
      fail(`disks[${i}].vdev`, hvm ? 'must be hdX or xvdX' : 'must be xvdX');
    if (vdevs.has(d.vdev)) fail(`disks[${i}].vdev`, `${d.vdev} is used twice`);
    if (spec.cloudInit && d.vdev === configDriveVdev(type))
      fail(`disks[${i}].vdev`, `${d.vdev} is the config drive's device`);
    vdevs.add(d.vdev);
    if (!['rw', 'ro'].includes(d.access)) fail(`disks[${i}].access`, 'must be rw or ro');
    if (!d.target && !(d.sizeGb > 0)) fail(`disks[${i}]`, 'needs a target or a size to allocate');
    if (d.imageId && !UUID.test(d.imageId)) fail(`disks[${i}].image_id`, 'must be a lowercase UUID');
    if (d.imageId && d.target) fail(`disks[${i}].image_id`, 'is for a disk the agent makes (no target)');
    if (d.sharedDevice) {
      if (!SHARED_DEVICE.test(d.sharedDevice) || d.sharedDevice.split('/').includes('..'))
        fail(`disks[${i}].shared_device`, 'must be a device path under /dev of plain characters');
      if (d.target) fail(`disks[${i}].shared_device`, 'is for a disk the agent maps (no target)');
      if (d.sharedOffsetBytes % SHARED_ALIGN !== 0) fail(`disks[${i}].shared_offset_bytes`, 'must be whole MiB');
    } else if (d.sharedOffsetBytes) fail(`disks[${i}].shared_offset_bytes`, 'is for a disk with a shared_device');
  });

  if (spec.vifs.length > 8) fail('vifs', 'at most 8');
  spec.vifs.forEach((v, i) => {
    if (!MAC.test(v.mac)) fail(`vifs[${i}].mac`, 'must be 00:16:3e:xx:xx:xx, lowercase');
    if (!BRIDGE.test(v.bridge)) fail(`vifs[${i}].bridge`, 'must be a bridge name');
    if (v.rate && !RATE.test(v.rate)) fail(`vifs[${i}].rate`, 'must be like 100Mb/s');
    if (v.ip && !IPV4.test(v.ip)) fail(`vifs[${i}].ip`, 'must be an IPv4 address like 10.0.0.5');
    if (v.model && (!hvm || !HVM_NIC_MODELS.has(v.model)))
      fail(`vifs[${i}].model`, 'is an emulated NIC model, for hvm guests');
  });

  for (const [field, action] of [
    ['on_poweroff', spec.onPoweroff],
    ['on_reboot', spec.onReboot],
    ['on_crash', spec.onCrash],
  ] as const) {
    if (!Object.values(LifecycleAction).includes(action) || action === LifecycleAction.UNRECOGNIZED)
      fail(field, 'is not a lifecycle action');
  }
  const cloudInit = spec.cloudInit && cloudInitRefusal(spec.cloudInit);
  if (cloudInit) throw new AgentError('invalid_argument', cloudInit);
  return { ...spec, maxVcpus, maxMemoryMb };
}
