import type { Db } from '../client';
import type { Flavor, Image, Prisma } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** Which images a listing shows (CatalogRepository.imagePage). */
export interface ImageFilter {
  visibleTo?: string;
  projectId?: string;
  visibility?: 'public' | 'project';
  status?: 'pending' | 'active';
  name?: string;
}

/** Flavors and images: every read and write of them the apps make. */
export class CatalogRepository {
  constructor(private readonly db: Db) {}

  /** A page of flavors, newest first, after the cursor: `take` rows at most; the one with this name only when given. */
  flavorPage(filter: { name?: string }, after: PageCursor | undefined, take: number): Promise<Flavor[]> {
    return this.db.flavor.findMany({
      where: { ...(filter.name !== undefined ? { name: filter.name } : {}), ...afterPage(after) },
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  /**
   * A page of images, newest first, after the cursor, deleted ones never: those a project sees
   * (public and its own) when `visibleTo` names it, else every one; narrowed by the filters given.
   */
  imagePage(filter: ImageFilter, after: PageCursor | undefined, take: number): Promise<Image[]> {
    const and: Prisma.ImageWhereInput[] = [{ status: filter.status ?? { not: 'deleted' } }];
    if (filter.visibleTo) and.push({ OR: [{ projectId: null }, { projectId: filter.visibleTo }] });
    if (filter.projectId) and.push({ projectId: filter.projectId });
    if (filter.visibility === 'public') and.push({ projectId: null });
    if (filter.visibility === 'project') and.push({ projectId: { not: null } });
    if (filter.name !== undefined) and.push({ name: filter.name });
    return this.db.image.findMany({ where: { AND: and, ...afterPage(after) }, orderBy: NEWEST_FIRST, take });
  }

  /** The image with this id, unless deleted. */
  findImage(id: string): Promise<Image | null> {
    return this.db.image.findFirst({ where: { id, status: { not: 'deleted' } } });
  }

  /**
   * Records an upload's content: the pending image becomes active. Null when it is no longer
   * pending (deleted meanwhile, or another upload finished first).
   */
  async markUploaded(
    id: string,
    content: { sizeBytes: number; sha256: string; sizeGb: number },
  ): Promise<Image | null> {
    const n = await this.db.image.updateMany({
      where: { id, status: 'pending' },
      data: {
        status: 'active',
        sizeBytes: BigInt(content.sizeBytes),
        sha256: content.sha256,
        sizeGb: content.sizeGb,
        uploadedAt: new Date(),
      },
    });
    return n.count === 1 ? this.db.image.findUnique({ where: { id } }) : null;
  }

  /** How many VMs name the image: those not deleted, and deleted ones (their history). */
  async imageUses(id: string): Promise<{ live: number; deleted: number }> {
    const [live, deleted] = await Promise.all([
      this.db.vm.count({ where: { imageId: id, state: { not: 'deleted' } } }),
      this.db.vm.count({ where: { imageId: id, state: 'deleted' } }),
    ]);
    return { live, deleted };
  }

  /** Removes an image no VM names (false: one does now, or it is gone). */
  async removeImage(id: string): Promise<boolean> {
    try {
      return (await this.db.image.deleteMany({ where: { id } })).count === 1;
    } catch (err) {
      if ((err as { code?: string }).code === 'P2003') return false; // a VM was made of it meanwhile
      throw err;
    }
  }

  /** Keeps an image that deleted VMs name as `deleted`, its content gone; false when no longer there. */
  async retireImage(id: string): Promise<boolean> {
    const n = await this.db.image.updateMany({
      where: { id, status: { not: 'deleted' } },
      data: { status: 'deleted', sha256: null, sizeBytes: null, uploadedAt: null },
    });
    return n.count === 1;
  }

  /** A name already taken fails with Prisma's unique violation (P2002). */
  createFlavor(data: Prisma.FlavorCreateInput): Promise<Flavor> {
    return this.db.flavor.create({ data });
  }

  /** A name already taken fails with Prisma's unique violation (P2002). */
  createImage(data: Prisma.ImageCreateInput): Promise<Image> {
    return this.db.image.create({ data });
  }

  /** The flavor with this id or this name. */
  flavorByIdOrName(where: { id: string } | { name: string }): Promise<Flavor | null> {
    return this.db.flavor.findFirst({ where });
  }

  /** The image with this id or this name. */
  imageByIdOrName(where: { id: string } | { name: string }): Promise<Image | null> {
    return this.db.image.findFirst({ where });
  }

  /** The image, which must exist (a VM was created with it). */
  image(id: string): Promise<Image> {
    return this.db.image.findUniqueOrThrow({ where: { id } });
  }
}
