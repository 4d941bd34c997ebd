import type { VmState } from '../vm/vm-state';

/** A delete with nothing to destroy: the VM is gone already (a retry after the end, a replayed job). */
export function deleteAlreadyDone(vm: { state: VmState } | null): boolean {
  return !vm || vm.state === 'deleted';
}

/**
 * Whether a delete asks a host holding the VM's claim to destroy its domain. A host that is
 * down is not waited for: its domains are of an old epoch when it comes back, and it is told
 * to destroy them then.
 */
export function destroysOn(host: { state: string }): boolean {
  return host.state !== 'down';
}
