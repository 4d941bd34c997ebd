import type { VmRepository } from '@xenplane/db';
import { notFound } from '../common/errors/api-errors';
import { visibleProject, type Principal } from '../common/auth/principal';
import type { VmRow } from './vm.view';

/** A VM the caller may see (deleted ones stay readable), or 404 — never 403. */
export async function findVisibleVm(vms: VmRepository, principal: Principal, id: string): Promise<VmRow> {
  const vm = await vms.findVisible(id, visibleProject(principal));
  if (!vm) throw notFound('vm', id);
  return vm;
}
