import type { Db } from '../client';
import { hostStateEvent, recordEvents, staleCopyDestroyedEvent } from '../events';
import { type DeclaredDead, failOver } from '../failover';
import type { Resources } from '@xenplane/domain';
import type { Host, HostState, Operation, Prisma } from '../generated/prisma/client';
import {
  cancelEvacuation,
  changeHostState,
  createEvacuation,
  lockHost,
  type NewEvacuation,
  openEvacuation,
} from '../host-maintenance';
import { loadPlacementState, protectedUsage } from '../placement-view';
import {
  type HostFilter,
  type HostListFilter,
  type HostRow,
  readHostPage,
  readHosts,
  readRoster,
  recordHeartbeats,
  type RosterEntry,
} from '../hosts';
import type { PageCursor } from './page';

/** A host as an agent call needs it. */
export type HostAddress = Pick<Host, 'id' | 'name' | 'address'>;

/** Every read and write of host rows the apps make. */
export class HostRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<Host | null> {
    return this.db.host.findUnique({ where: { id } });
  }

  /** The host, which must exist (a VM's claim holds it). */
  get(id: string): Promise<Host> {
    return this.db.host.findUniqueOrThrow({ where: { id } });
  }

  /** Where to reach the host, which must exist. */
  address(id: string): Promise<HostAddress> {
    return this.db.host.findUniqueOrThrow({ where: { id }, select: { id: true, name: true, address: true } });
  }

  /** A page of hosts with their liveness, newest first, after the cursor (libs/db readHostPage). */
  readPage(filter: HostListFilter, after: PageCursor | undefined, take: number): Promise<HostRow[]> {
    return readHostPage(this.db, filter, after, take);
  }

  /** Hosts with their liveness as Postgres judges it (libs/db readHosts). */
  read(filter: HostFilter): Promise<HostRow[]> {
    return readHosts(this.db, filter);
  }

  /** Whether the host is up and answered heartbeats lately (merely slow, not silent). */
  async isUpAndLive(id: string): Promise<boolean> {
    const [host] = await readHosts(this.db, { ids: [id] });
    return !!host?.live && host.state === 'up';
  }

  /** The ids of every host not disabled: what host monitors share out. */
  idsNotDisabled(): Promise<{ id: string }[]> {
    return this.db.host.findMany({ where: { state: { not: 'disabled' } }, select: { id: true } });
  }

  /** Every host but the disabled, as its pool's peers see it (libs/db readRoster). */
  roster(): Promise<RosterEntry[]> {
    return readRoster(this.db);
  }

  /** Stamps the hosts that answered a heartbeat, in one statement (libs/db recordHeartbeats). */
  recordHeartbeats(ids: readonly string[]): Promise<void> {
    return recordHeartbeats(this.db, ids);
  }

  /** What the host reported of itself (its inventory columns). */
  async updateInventory(id: string, columns: Prisma.HostUpdateInput): Promise<void> {
    await this.db.host.update({ where: { id }, data: columns });
  }

  /** The peers asked about the host if it falls silent. */
  async setWitnesses(id: string, witnessIds: string[]): Promise<void> {
    await this.db.host.update({ where: { id }, data: { witnessIds } });
  }

  /**
   * Moves the host from the state it was read in to `state`, with its event, in one
   * transaction; false (and no event) when it had left that state meanwhile.
   */
  changeState(host: Pick<Host, 'id' | 'name' | 'state'>, state: Host['state']): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const n = await tx.host.updateMany({
        where: { id: host.id, state: host.state },
        data: { state, stateChangedAt: new Date() },
      });
      if (n.count === 1) await recordEvents(tx, [hostStateEvent({ ...host, state })]);
      return n.count === 1;
    });
  }

  /**
   * Declares the host dead, its VMs' fates decided and carried out (libs/db failOver): what the
   * host monitor does for a host found dead, and an operator's declare-dead.
   */
  declareDead(d: {
    hostId: string;
    from: readonly HostState[];
    reason: string;
    requestedBy?: string | null;
    correlationId?: string | null;
  }): Promise<DeclaredDead> {
    return failOver(this.db, d);
  }

  /** The event of a stale copy of a VM destroyed on a host back from the dead. */
  async recordStaleCopyDestroyed(
    host: Pick<Host, 'id' | 'name'>,
    copy: { vmId: string; epoch: number; reason: string },
    vm?: { projectId: string },
  ): Promise<void> {
    await recordEvents(this.db, [staleCopyDestroyedEvent(host, copy, vm)]);
  }

  /** Every host and pool as placement sees them (libs/db loadPlacementState). */
  placementState(): ReturnType<typeof loadPlacementState> {
    return loadPlacementState(this.db);
  }

  /** The resources HA-protected VMs use on these hosts (all when none are given) (libs/db protectedUsage). */
  protectedUsage(hostIds?: readonly string[]): Promise<Map<string, Resources>> {
    return protectedUsage(this.db, hostIds);
  }

  /** How many hosts each pool has in each state. */
  async countsByPoolAndState(): Promise<{ pool: string; state: string; n: number }[]> {
    const rows = await this.db.$queryRaw<{ pool: string; state: string; n: bigint }[]>`
      SELECT p.name AS pool, h.state::text AS state, count(*) AS n FROM hosts h JOIN pools p ON p.id = h.pool_id GROUP BY p.name, h.state`;
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /**
   * Puts the host in maintenance and, when `evacuation` is given, opens its evacuation, in one
   * transaction holding the host's row. `admit` sees the locked host (null: none) and the
   * evacuation already open, and throws to refuse (nothing is written then). The evacuation
   * opened, or null.
   */
  enterMaintenance(
    hostId: string,
    evacuation: Omit<NewEvacuation, 'hostId'> | null,
    admit: (host: Host | null, open: Operation | null) => Host,
  ): Promise<Operation | null> {
    return this.db.$transaction(async (tx) => {
      const locked = await lockHost(tx, hostId);
      const host = admit(locked, locked ? await openEvacuation(tx, locked.id) : null);
      if (host.state !== 'maintenance') await changeHostState(tx, host, 'maintenance');
      if (!evacuation) return null;
      return createEvacuation(tx, { ...evacuation, hostId: host.id });
    });
  }

  /**
   * Puts the host back `up` and cancels an evacuation under way (with `reason`), in one
   * transaction holding the host's row. `admit` sees the locked host and throws to refuse.
   */
  async enable(hostId: string, reason: string, admit: (host: Host | null) => Host): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const host = admit(await lockHost(tx, hostId));
      if (host.state === 'up') return;
      await changeHostState(tx, host, 'up');
      const open = await openEvacuation(tx, host.id);
      if (open) await cancelEvacuation(tx, open, reason);
    });
  }
}
