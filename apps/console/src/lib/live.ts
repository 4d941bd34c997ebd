import type { Vm, XenplaneEvent } from '@xenplane/sdk';

/** A page of the VM list as the infinite query caches it. */
export interface VmPageData {
  items: Vm[];
  nextCursor?: string;
}
export interface InfiniteVms {
  pages: VmPageData[];
  pageParams: unknown[];
}

/** What a vm.state event says (API.md "Event stream": data { state, hostId }). */
export interface VmStateData {
  state?: Vm['state'];
  hostId?: string | null;
}

/**
 * The cached list with one event applied: the VM's state and host change in place (its other
 * fields, addresses among them, come from reading the VM again: replaceVm). `found` says whether
 * the list held the VM (a VM it did not: the list is read again).
 */
export function applyVmEvent(data: InfiniteVms, e: XenplaneEvent): { data: InfiniteVms; found: boolean } {
  if (e.type !== 'vm.state' || e.resourceType !== 'vm') return { data, found: false };
  const d = e.data as VmStateData;
  let found = false;
  const pages = data.pages.map((p) => {
    if (!p.items.some((v) => v.id === e.resourceId)) return p;
    found = true;
    return {
      ...p,
      items: p.items.map((v) => {
        if (v.id !== e.resourceId) return v;
        const next: Vm = { ...v };
        if (d.state) next.state = d.state;
        if (d.hostId === null) delete next.hostId;
        else if (typeof d.hostId === 'string') next.hostId = d.hostId;
        return next;
      }),
    };
  });
  return { data: found ? { ...data, pages } : data, found };
}

/** The cached list with a VM as just read (addresses, power state, ... all current). */
export function replaceVm(data: InfiniteVms, vm: Vm): InfiniteVms {
  return {
    ...data,
    pages: data.pages.map((p) =>
      p.items.some((v) => v.id === vm.id) ? { ...p, items: p.items.map((v) => (v.id === vm.id ? vm : v)) } : p,
    ),
  };
}

/** Whether the cached list holds the VM (only then is it written: writing data marks a query fresh). */
export function holdsVm(data: InfiniteVms, id: string): boolean {
  return data.pages.some((p) => p.items.some((v) => v.id === id));
}
