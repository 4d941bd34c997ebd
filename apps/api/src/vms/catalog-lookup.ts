import type { Db, Flavor, Image } from '@xenplane/db';
import { invalid } from '../common/errors/api-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const byIdOrName = (ref: string) => (UUID.test(ref) ? { id: ref } : { name: ref });

export async function resolveFlavor(db: Db, ref: string): Promise<Flavor> {
  const flavor = await db.flavor.findFirst({ where: byIdOrName(ref) });
  if (!flavor) throw invalid('flavor', `no flavor ${JSON.stringify(ref)}`);
  return flavor;
}

export async function resolveImage(db: Db, ref: string): Promise<Image> {
  const image = await db.image.findFirst({ where: byIdOrName(ref) });
  if (!image) throw invalid('image', `no image ${JSON.stringify(ref)}`);
  return image;
}
