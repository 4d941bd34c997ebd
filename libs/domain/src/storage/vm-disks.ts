import type { GuestType } from '../placement/types';

/** Data disks a create may ask for, besides the root disk: with it and the config drive, within the agent's 16. */
export const MAX_DATA_DISKS = 8;

/** A disk a new VM gets, as its row is written with the VM. */
export interface PlannedDisk {
  kind: 'root' | 'data';
  /** the name the guest sees it by (xl's vdev) */
  device: string;
  sizeGb: number;
  /** the image its root disk is a copy-on-write clone of; null: a blank disk */
  imageId: string | null;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * The device of a VM's n-th disk (0: the root disk). pv and pvh: xvda, xvdb, ... (the config
 * drive is xvdz, beyond the 9 a VM can have). hvm: the emulated IDE disks hda, hdb, hdc, then
 * hdd is the config drive's, so further disks are PV-only xvde, xvdf, ...: Xen numbers hdX and
 * xvdX alike (hda and xvda are both disk 0), so they carry on from disk 4 and never collide.
 */
export function diskDevice(guestType: GuestType, n: number): string {
  if (guestType !== 'hvm') return `xvd${LETTERS[n]}`;
  return n < 3 ? `hd${LETTERS[n]}` : `xvd${LETTERS[n + 1]}`;
}

/** What a create asks for its VM's disks: its flavor's root disk, the image's content if any, and data disks by size. */
export interface DiskRequest {
  guestType: GuestType;
  /** the flavor's disk: the root disk's size (0: no root disk) */
  rootGb: number;
  /** the image the root disk is cloned from when it has content (uploaded), else null: a blank root disk */
  rootImageId: string | null;
  dataGb: readonly number[];
}

/** The VM's disks in device order: the root disk (when the flavor has a disk), then the data disks. */
export function planVmDisks(r: DiskRequest): PlannedDisk[] {
  const root: Omit<PlannedDisk, 'device'>[] =
    r.rootGb > 0 ? [{ kind: 'root', sizeGb: r.rootGb, imageId: r.rootImageId }] : [];
  const data = r.dataGb.map((sizeGb): Omit<PlannedDisk, 'device'> => ({ kind: 'data', sizeGb, imageId: null }));
  return [...root, ...data].map((d, i) => ({ ...d, device: diskDevice(r.guestType, i) }));
}

/** A VM's disk size, as quota and placement count it: its flavor's root disk and its data disks. */
export function vmDiskGb(rootGb: number, dataGb: readonly number[]): number {
  return dataGb.reduce((sum, gb) => sum + gb, rootGb);
}
