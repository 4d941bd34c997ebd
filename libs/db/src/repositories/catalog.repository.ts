import type { Db } from '../client';
import type { Flavor, Image, Prisma } from '../generated/prisma/client';

/** Flavors and images: every read and write of them the apps make. */
export class CatalogRepository {
  constructor(private readonly db: Db) {}

  /** Every flavor, smallest first. */
  flavors(): Promise<Flavor[]> {
    return this.db.flavor.findMany({ orderBy: [{ vcpus: 'asc' }, { memoryMb: 'asc' }] });
  }

  /** Every image, by name. */
  images(): Promise<Image[]> {
    return this.db.image.findMany({ orderBy: { name: 'asc' } });
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
