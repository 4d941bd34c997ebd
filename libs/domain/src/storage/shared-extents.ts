/**
 * A shared storage pool's device is carved into extents, one per disk, recorded by the control
 * plane (the one writer): each extent is the agent's header (which VM and device own it, so a
 * reused extent is wiped before its new owner sees it) followed by the disk's bytes.
 */
export const EXTENT_HEADER_MB = 1;

/** An extent on the device, in MiB. */
export interface Extent {
  offsetMb: number;
  sizeMb: number;
}

/** The MiB a disk of this size takes on a shared device: its header and its bytes. */
export function extentSizeMb(sizeGb: number): number {
  return EXTENT_HEADER_MB + sizeGb * 1024;
}

/**
 * Where each wanted extent goes (in the order given), first fit among the free gaps of a device of
 * `capacityMb` around the `taken` ones; null when one does not fit (then none is placed: a VM gets
 * all its disks or none).
 */
export function placeExtents(
  capacityMb: number,
  taken: readonly Extent[],
  wantedMb: readonly number[],
): number[] | null {
  const used = [...taken].sort((a, b) => a.offsetMb - b.offsetMb);
  const offsets: number[] = [];
  for (const size of wantedMb) {
    const at = firstFit(capacityMb, used, size);
    if (at === null) return null;
    offsets.push(at);
    used.push({ offsetMb: at, sizeMb: size });
    used.sort((a, b) => a.offsetMb - b.offsetMb);
  }
  return offsets;
}

function firstFit(capacityMb: number, sorted: readonly Extent[], size: number): number | null {
  let at = 0;
  for (const e of sorted) {
    if (e.offsetMb - at >= size) return at;
    at = Math.max(at, e.offsetMb + e.sizeMb);
  }
  return capacityMb - at >= size ? at : null;
}
