import type { Db } from '../client';
import type { Network, Prisma } from '../generated/prisma/client';
import { pgErrorOf } from '../pg-errors';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** A network with how many of its addresses VMs hold. */
export type NetworkWithUse = Network & { allocated: number };

export interface NewNetwork {
  poolId: string;
  name: string;
  bridge: string;
  cidr: string;
  gateway: string;
  dns: string[];
  rangeStart: string;
  rangeEnd: string;
  isDefault: boolean;
}

/** What a create request's choice of networks reads (libs/domain chooseVmNetworks). */
export interface NetworkRef {
  id: string;
  name: string;
  poolId: string;
  isDefault: boolean;
}

export type NetworkDeletion = { deleted: true } | { deleted: false; allocated: number } | null;

const WITH_USE = { _count: { select: { addresses: true } } } as const;
const withUse = ({ _count, ...n }: Network & { _count: { addresses: number } }): NetworkWithUse => ({
  ...n,
  allocated: _count.addresses,
});

/**
 * Every read and write of networks the apps make. Their addresses are taken and given back by
 * the VMs' own statements (createVmBatch, finishDeletedVms), never here.
 */
export class NetworkRepository {
  constructor(private readonly db: Db) {}

  async find(id: string): Promise<NetworkWithUse | null> {
    const n = await this.db.network.findUnique({ where: { id }, include: WITH_USE });
    return n && withUse(n);
  }

  /** A page of networks, newest first, after the cursor: `take` rows at most (one pool's, with this name, when given). */
  async listPage(
    filter: { poolId?: string; name?: string },
    after: PageCursor | undefined,
    take: number,
  ): Promise<NetworkWithUse[]> {
    const rows = await this.db.network.findMany({
      where: { ...filter, ...afterPage(after) },
      include: WITH_USE,
      orderBy: NEWEST_FIRST,
      take,
    });
    return rows.map(withUse);
  }

  /** Networks by pool, then name (one pool's when given). */
  async list(filter: { poolId?: string } = {}): Promise<NetworkWithUse[]> {
    const rows = await this.db.network.findMany({
      where: filter,
      include: WITH_USE,
      orderBy: [{ poolId: 'asc' }, { name: 'asc' }],
    });
    return rows.map(withUse);
  }

  /**
   * Creates a network; a default one takes the pool's default over, in the same transaction. A
   * name the pool already has fails with Prisma's unique violation (P2002), as does a second
   * default made by a request racing this one.
   */
  create(n: NewNetwork): Promise<Network> {
    return this.db.$transaction(async (tx) => {
      if (n.isDefault) await unsetDefault(tx, n.poolId);
      return tx.network.create({ data: n });
    });
  }

  /** Makes the network its pool's default (the previous one no longer is) or not; null when there is none. */
  setDefault(id: string, isDefault: boolean): Promise<Network | null> {
    return this.db.$transaction(async (tx) => {
      const n = await tx.network.findUnique({ where: { id } });
      if (!n) return null;
      if (isDefault) await unsetDefault(tx, n.poolId, id);
      return tx.network.update({ where: { id }, data: { isDefault } });
    });
  }

  /**
   * Deletes the network if no VM holds one of its addresses: how many do otherwise, null when it
   * does not exist. An address taken while this runs is kept by the foreign key (the delete then
   * fails and says so).
   */
  async deleteUnused(id: string): Promise<NetworkDeletion> {
    try {
      const gone = await this.db.$executeRaw`
        DELETE FROM networks n WHERE n.id = ${id}::uuid AND NOT EXISTS (SELECT 1 FROM vm_addresses a WHERE a.network_id = n.id)`;
      if (gone === 1) return { deleted: true };
    } catch (err) {
      if (pgErrorOf(err)?.code !== '23503') throw err;
    }
    const n = await this.find(id);
    return n && { deleted: false, allocated: n.allocated };
  }

  /**
   * The networks a create request may mean: those with one of these ids or names (any pool),
   * and every default network. Few rows: names are unique per pool, one default per pool.
   */
  refs(ids: readonly string[], names: readonly string[]): Promise<NetworkRef[]> {
    return this.db.network.findMany({
      where: { OR: [{ id: { in: [...ids] } }, { name: { in: [...names] } }, { isDefault: true }] },
      select: { id: true, name: true, poolId: true, isDefault: true },
      orderBy: { name: 'asc' },
    });
  }

  /** The pool's networks' names, bridges and blocks (to check a new one against). */
  blocksInPool(poolId: string): Promise<{ name: string; bridge: string; cidr: string }[]> {
    return this.db.network.findMany({ where: { poolId }, select: { name: true, bridge: true, cidr: true } });
  }
}

async function unsetDefault(tx: Prisma.TransactionClient, poolId: string, except?: string): Promise<void> {
  await tx.network.updateMany({
    where: { poolId, isDefault: true, ...(except ? { NOT: { id: except } } : {}) },
    data: { isDefault: false },
  });
}
