import type { PlacementFilter } from '../filter';
import { isPlaceable } from '../types';

/**
 * Only hosts that are up and heard from within their pool's suspect timeout take VMs: not
 * enrolling, suspect, unreachable, down, in maintenance or disabled, nor silent since the
 * control plane last looked (an `up` read after an outage of the control plane proves nothing).
 */
export const hostStateFilter: PlacementFilter = {
  name: 'host_state',
  reason: "host is not up, or has not answered a heartbeat within its pool's suspect timeout",
  passes: isPlaceable,
};
