import type { VmRepository } from '@xenplane/db';
import { conflict, notFound } from '../common/errors/api-errors';
import { visibleProject, type Principal } from '../common/auth/principal';
import type { VmRow } from './vm.view';

/** A VM the caller may see (deleted ones stay readable), or 404 — never 403. */
export async function findVisibleVm(vms: VmRepository, principal: Principal, id: string): Promise<VmRow> {
  const vm = await vms.findVisible(id, visibleProject(principal));
  if (!vm) throw notFound('vm', id);
  return vm;
}

/**
 * Snapshots and clones copy a VM's disks on its host's own storage (the agent's files): a VM with
 * a disk on a shared storage pool has none there, so they are refused up front (409) rather than
 * failing on the host. Nothing when the VM is not visible: the operation's own lookup says 404.
 */
export async function refuseSharedDisks(vms: VmRepository, principal: Principal, id: string, what: string) {
  const vm = await vms.findVisible(id, visibleProject(principal));
  if (!vm) return;
  const shared = (await vms.disks(id)).filter((d) => d.sharedDevice).map((d) => d.device);
  if (shared.length)
    throw conflict(`${what} of a VM with disks on a shared storage pool (${shared.join(', ')}) is not supported yet`);
}
