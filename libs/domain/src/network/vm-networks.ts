/** A VM's vifs at most: what the agent builds (its spec validation says 8). */
export const MAX_VM_NETWORKS = 8;

/** A network as a create request's choice sees it. */
export interface NetworkChoice {
  id: string;
  name: string;
  poolId: string;
  isDefault: boolean;
}

export type VmNetworksChoice =
  | {
      ok: true;
      /** the networks the VM gets a vif on, in the order asked (one address each) */
      networks: NetworkChoice[];
      /** the pool the VM must be placed in: the one asked for, else the networks' (absent: any pool) */
      poolId?: string;
    }
  | { ok: false; field: string; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What to look networks up by for a request's `networks`: the ids among them (lowercase), and every entry as a name. */
export function networkLookup(requested: readonly string[] | undefined): { ids: string[]; names: string[] } {
  const refs = requested ?? [];
  return { ids: refs.filter((r) => UUID.test(r)).map((r) => r.toLowerCase()), names: [...refs] };
}

/**
 * Which networks a new VM is attached to, and so which pool it must live in (a network is its
 * pool's: a VM placed elsewhere could not reach its bridge).
 *
 * - `requested` names networks by id or name (a name is looked up in `poolId` when given, else
 *   in every pool, where it must name one network): each must exist, be in `poolId` when that is
 *   given, and all of them in one pool. An empty list asks for no network at all.
 * - Without `requested`: the default network of `poolId`, or without a pool the one pool's
 *   default network if only one pool has one (the VM then lives in that pool); several pools
 *   with a default network and no pool named is ambiguous, as Nova answers when a tenant has
 *   several networks and names none. No default anywhere: no network, placed anywhere, as before
 *   networks existed.
 *
 * `known` holds every network the request could mean: those with a requested id or name, and
 * the default ones.
 */
export function chooseVmNetworks(
  requested: readonly string[] | undefined,
  poolId: string | undefined,
  known: readonly NetworkChoice[],
): VmNetworksChoice {
  if (requested === undefined) return defaultNetwork(poolId, known);
  const chosen: NetworkChoice[] = [];
  for (const [i, ref] of requested.entries()) {
    const field = `networks[${i}]`;
    const byId = UUID.test(ref) ? known.find((n) => n.id === ref.toLowerCase()) : undefined;
    const byName = byId ? [] : known.filter((n) => n.name === ref && (!poolId || n.poolId === poolId));
    if (byName.length > 1)
      return {
        ok: false,
        field,
        message: `several pools have a network named ${ref}: give poolId or the network's id`,
      };
    const network = byId ?? byName[0];
    if (!network) {
      const elsewhere = poolId && known.some((n) => n.name === ref);
      return {
        ok: false,
        field,
        message: elsewhere ? `pool ${poolId} has no network ${ref}` : `no such network ${ref}`,
      };
    }
    if (poolId && network.poolId !== poolId)
      return { ok: false, field, message: `network ${network.name} is not in pool ${poolId}` };
    if (chosen.some((c) => c.id === network.id))
      return { ok: false, field, message: `network ${network.name} is named twice: a VM has one address per network` };
    if (chosen.length && chosen[0]!.poolId !== network.poolId)
      return {
        ok: false,
        field,
        message: `network ${network.name} is in another pool than ${chosen[0]!.name}: a VM lives in one pool`,
      };
    chosen.push(network);
  }
  const pool = poolId ?? chosen[0]?.poolId;
  return { ok: true, networks: chosen, ...(pool ? { poolId: pool } : {}) };
}

function defaultNetwork(poolId: string | undefined, known: readonly NetworkChoice[]): VmNetworksChoice {
  const defaults = known.filter((n) => n.isDefault && (!poolId || n.poolId === poolId));
  if (defaults.length > 1 && !poolId)
    return {
      ok: false,
      field: 'networks',
      message: `several pools have a default network (${defaults.map((n) => n.name).join(', ')}): give poolId or networks`,
    };
  const network = defaults[0];
  if (!network) return { ok: true, networks: [], ...(poolId ? { poolId } : {}) };
  return { ok: true, networks: [network], poolId: network.poolId };
}
