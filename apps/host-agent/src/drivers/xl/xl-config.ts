import { GuestType, LifecycleAction } from '@xenplane/proto';
import type { ValidSpec } from '../spec-validation';

const TYPE: Record<string, string> = {
  [GuestType.GUEST_TYPE_PV]: 'pv',
  [GuestType.GUEST_TYPE_PVH]: 'pvh',
  [GuestType.GUEST_TYPE_HVM]: 'hvm',
};

const ACTION: Record<string, string> = {
  [LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED]: '',
  [LifecycleAction.LIFECYCLE_ACTION_DESTROY]: 'destroy',
  [LifecycleAction.LIFECYCLE_ACTION_RESTART]: 'restart',
  [LifecycleAction.LIFECYCLE_ACTION_PRESERVE]: 'preserve',
  [LifecycleAction.LIFECYCLE_ACTION_RENAME_RESTART]: 'rename-restart',
  [LifecycleAction.LIFECYCLE_ACTION_COREDUMP_DESTROY]: 'coredump-destroy',
  [LifecycleAction.LIFECYCLE_ACTION_COREDUMP_RESTART]: 'coredump-restart',
  [LifecycleAction.LIFECYCLE_ACTION_SOFT_RESET]: 'soft-reset',
};

/** The xl domain name of a VM: derived from its id, never from anything a tenant typed. */
export const domainName = (vmId: string) => `xp-${vmId}`;

export interface RenderOptions {
  /** where each disk lives (the spec's own target, or one the agent allocated) */
  diskTargets: readonly string[];
  /** which of them are block devices the agent assembled (a dm snapshot): backendtype=phy */
  blockDevices?: readonly boolean[];
}

// Values reach this point validated (spec-validation.ts): none holds a quote, a backslash, a
// newline, a comma or a bracket. Quoting them is then enough to keep each one a single value.
const str = (v: string) => `"${v}"`;

/**
 * The xl.cfg of a VM (see xl.cfg(5)). Keys appear only when they mean something for the guest
 * type; the uuid is the VM id, so `xl list -l` maps domains back to VMs.
 */
export function renderXlConfig(spec: ValidSpec, o: RenderOptions): string {
  const hvm = spec.guestType === GuestType.GUEST_TYPE_HVM;
  const lines: string[] = [
    `# xl domain config written by the xenplane host agent for vm ${spec.vmId}`,
    `name = ${str(domainName(spec.vmId))}`,
    `uuid = ${str(spec.vmId)}`,
    `type = ${str(TYPE[spec.guestType]!)}`,
    `memory = ${spec.memoryMb}`,
    `maxmem = ${spec.maxMemoryMb}`,
    `vcpus = ${spec.vcpus}`,
    `maxvcpus = ${spec.maxVcpus}`,
  ];
  if (spec.cpus) lines.push(`cpus = ${str(spec.cpus)}`);
  const boot = spec.boot;
  if (boot?.bootloader) lines.push(`bootloader = ${str(boot.bootloader)}`);
  if (boot?.kernel) lines.push(`kernel = ${str(boot.kernel)}`);
  if (boot?.ramdisk) lines.push(`ramdisk = ${str(boot.ramdisk)}`);
  if (boot?.cmdline) lines.push(`extra = ${str(boot.cmdline)}`);
  if (hvm) {
    lines.push(`boot = ${str(boot?.hvmBoot || 'c')}`);
    if (boot?.serial) lines.push(`serial = ${str(boot.serial)}`);
    lines.push(`vnc = ${boot?.vnc ? 1 : 0}`);
  }
  if (spec.disks.length) {
    const disks = spec.disks.map(
      // target= comes last: xl reads the rest of the spec as the path (so no `phy:` prefix there)
      (d, i) =>
        `'format=${d.format}, vdev=${d.vdev}, access=${d.access}, ${o.blockDevices?.[i] ? 'backendtype=phy, ' : ''}target=${o.diskTargets[i]}'`,
    );
    lines.push(`disk = [ ${disks.join(', ')} ]`);
  }
  if (spec.vifs.length) {
    const vifs = spec.vifs.map(
      (v) =>
        `'${[`mac=${v.mac}`, `bridge=${v.bridge}`, ...(v.rate ? [`rate=${v.rate}`] : []), ...(v.model ? [`model=${v.model}`] : [])].join(',')}'`,
    );
    lines.push(`vif = [ ${vifs.join(', ')} ]`);
  }
  for (const [key, action] of [
    ['on_poweroff', spec.onPoweroff],
    ['on_reboot', spec.onReboot],
    ['on_crash', spec.onCrash],
  ] as const) {
    const value = ACTION[action];
    if (value) lines.push(`${key} = ${str(value)}`);
  }
  return lines.join('\n') + '\n';
}
