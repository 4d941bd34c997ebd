import type { Db } from '@xenplane/db';
import { notFound } from '../common/errors/api-errors';
import { visibleProject, type Principal } from '../common/auth/principal';
import { VM_INCLUDE, type VmRow } from './vm.view';

/** A VM the caller may see (deleted ones stay readable), or 404 — never 403. */
export async function findVisibleVm(db: Db, principal: Principal, id: string): Promise<VmRow> {
  const vm = await db.vm.findFirst({ where: { id, ...visibleProject(principal) }, include: VM_INCLUDE });
  if (!vm) throw notFound('vm', id);
  return vm;
}

/** What starting an operation needs of a visible VM, in one lean read (404 as above). */
export async function findVisibleVmState(db: Db, principal: Principal, id: string) {
  const vm = await db.vm.findFirst({ where: { id, ...visibleProject(principal) }, select: { id: true, projectId: true, state: true, hostId: true } });
  if (!vm) throw notFound('vm', id);
  return vm;
}
