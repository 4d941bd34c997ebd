import type { Db } from '../client';
import type { Prisma } from '../generated/prisma/client';
import type { NewNetwork } from './network.repository';

/** What a fresh installation starts with (the API's bootstrap). */
export interface Seed {
  /** a lock key of its own: API replicas starting together seed once */
  lock: number;
  adminProject: string;
  defaultPool: string;
  /** the default pool's default network, made only while the pool has no network at all */
  defaultNetwork: Omit<NewNetwork, 'poolId' | 'isDefault'>;
  flavors: Prisma.FlavorCreateManyInput[];
  images: Prisma.ImageCreateManyInput[];
  /** the first global admin token, asked for only when there is none yet */
  adminToken: () => Omit<Prisma.TokenCreateInput, 'role' | 'project'>;
}

/** The database as a whole: whether it answers, and its first contents. */
export class SystemRepository {
  constructor(private readonly db: Db) {}

  /** Whether the database answers a query. */
  ping(): Promise<boolean> {
    return this.db.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
  }

  /**
   * Seeds what is missing, in one transaction under an advisory lock: the admin project, the
   * default pool, its default network (only into a pool without networks), its `local` storage
   * pool (only into a pool without one), flavors and images
   * (only into an empty catalog), a global admin token (only when there is none). True when it
   * created the admin token.
   */
  seed(s: Seed): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${s.lock})`;
      await tx.project.upsert({ where: { name: s.adminProject }, create: { name: s.adminProject }, update: {} });
      const pool = await tx.pool.upsert({
        where: { name: s.defaultPool },
        create: { name: s.defaultPool },
        update: {},
      });
      if ((await tx.network.count({ where: { poolId: pool.id } })) === 0)
        await tx.network.create({ data: { ...s.defaultNetwork, poolId: pool.id, isDefault: true } });
      if ((await tx.storagePool.count({ where: { poolId: pool.id } })) === 0)
        await tx.storagePool.create({ data: { poolId: pool.id, name: 'local', kind: 'local', isDefault: true } });
      if ((await tx.flavor.count()) === 0) await tx.flavor.createMany({ data: s.flavors });
      if ((await tx.image.count()) === 0) await tx.image.createMany({ data: s.images });
      const admins = await tx.token.count({ where: { role: 'admin', projectId: null } });
      if (admins > 0) return false;
      await tx.token.create({ data: { ...s.adminToken(), role: 'admin' } });
      return true;
    });
  }
}
