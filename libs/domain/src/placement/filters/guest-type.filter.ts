import type { PlacementFilter } from '../filter';

/** HVM guests need hardware virtualization; PVH guests need hardware-assisted paging (HAP). */
export const guestTypeFilter: PlacementFilter = {
  name: 'guest_type',
  reason: 'host lacks the hardware virtualization the guest type needs (hvm, or hap for pvh)',
  passes: (host, ctx) => {
    switch (ctx.request.guestType) {
      case 'hvm':
        return host.hvm;
      case 'pvh':
        return host.hap;
      case 'pv':
        return true;
    }
  },
  appliesTo: (request) => request.guestType !== 'pv',
};
