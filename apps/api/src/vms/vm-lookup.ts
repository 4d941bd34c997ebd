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
