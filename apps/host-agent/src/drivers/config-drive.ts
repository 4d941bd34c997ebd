import { CONFIG_DRIVE_LABEL, type ConfigDriveFile, noCloudFiles } from '@xenplane/domain';
import { type DomainSpec, GuestType } from '@xenplane/proto';

/**
 * The config drive a domain boots with: what every driver attaches so that cloud-init in the
 * guest finds its hostname, SSH keys, user-data and network (NoCloud, libs/domain noCloudFiles).
 * The sim driver "boots" from it (the guest's console says what it read); the xl driver is to
 * write the files into an ISO 9660 image labelled `cidata` in its work directory (e.g.
 * `genisoimage -V cidata -J -r`), attach it read-only as a cdrom (`xvdz` for pv/pvh, `hdd` for
 * hvm), and delete it with the domain's other storage.
 */
export interface ConfigDrive {
  label: typeof CONFIG_DRIVE_LABEL;
  files: ConfigDriveFile[];
}

/** The spec's config drive; undefined when the spec asks for none (no cloud_init). */
export function configDriveOf(spec: Pick<DomainSpec, 'cloudInit'>): ConfigDrive | undefined {
  const c = spec.cloudInit;
  if (!c) return undefined;
  return { label: CONFIG_DRIVE_LABEL, files: noCloudFiles(c) };
}

/**
 * The device the config drive appears as: the last xvd letter for pv/pvh (clear of the disks
 * the control plane numbers from xvda), the fourth IDE slot for hvm (the emulated cdrom).
 */
export function configDriveVdev(guestType: GuestType): string {
  return guestType === GuestType.GUEST_TYPE_HVM ? 'hdd' : 'xvdz';
}
