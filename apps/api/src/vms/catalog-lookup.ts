import type { CatalogRepository, Flavor, Image } from '@xenplane/db';
import { invalid } from '../common/errors/api-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const byIdOrName = (ref: string) => (UUID.test(ref) ? { id: ref } : { name: ref });

export async function resolveFlavor(catalog: CatalogRepository, ref: string): Promise<Flavor> {
  const flavor = await catalog.flavorByIdOrName(byIdOrName(ref));
  if (!flavor) throw invalid('flavor', `no flavor ${JSON.stringify(ref)}`);
  return flavor;
}

export async function resolveImage(catalog: CatalogRepository, ref: string): Promise<Image> {
  const image = await catalog.imageByIdOrName(byIdOrName(ref));
  if (!image) throw invalid('image', `no image ${JSON.stringify(ref)}`);
  return image;
}
