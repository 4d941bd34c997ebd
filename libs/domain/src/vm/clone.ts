import type { VmState } from './vm-state';

/** A VM name's longest form (API.md: 1-63 characters). */
const MAX_NAME = 63;

/**
 * Why a VM may not be cloned now (409), or undefined. A clone copies the source's disks on the
 * source's host: the source must hold a host and have no domain writing them (stopped).
 */
export function cloneRefusal(seen: {
  state: VmState;
  hostId: string | null;
  openOperation?: string | null;
}): string | undefined {
  if (seen.state !== 'stopped') return `cannot clone a VM that is ${seen.state} (it must be stopped)`;
  if (!seen.hostId) return 'the VM holds no host, so there are no disks to clone';
  if (seen.openOperation)
    return `a ${seen.openOperation} operation is still at work on the VM; one operation at a time: retry once it has ended`;
  return undefined;
}

/**
 * The clone's name: the one asked for, else `<source>-clone-<n>` where n counts the source's
 * clones so far (the first is 1), the source's name shortened if needed to stay within 63.
 */
export function cloneName(source: string, asked: string | undefined, clonesSoFar: number): string {
  if (asked) return asked;
  const suffix = `-clone-${clonesSoFar + 1}`;
  return `${source.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

/** Why the clone has no room on the source's host (422 no_valid_host): its disks are local. */
export function cloneNoRoom(hostName: string): string {
  return `host ${hostName}, where the source's disks are, has no room for the clone (or is not up); disks are local to their host, so a clone is made there or not at all`;
}
