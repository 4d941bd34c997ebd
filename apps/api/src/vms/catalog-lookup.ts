import type { CatalogRepository, Flavor, Image } from '@xenplane/db';
import { canSeeImage } from '@xenplane/domain';
import { invalid } from '../common/errors/api-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const byIdOrName = (ref: string) => (UUID.test(ref) ? { id: ref } : { name: ref });

export async function resolveFlavor(catalog: CatalogRepository, ref: string): Promise<Flavor> {
  const flavor = await catalog.flavorByIdOrName(byIdOrName(ref));
  if (!flavor) throw invalid('flavor', `no flavor ${JSON.stringify(ref)}`);
  return flavor;
}

/**
 * An image a VM of `projectId` may be made of (null: any project's, a global caller's dry run):
 * public or that project's, not deleted, and with its content when it was made to be uploaded.
 */
export async function resolveImage(catalog: CatalogRepository, ref: string, projectId: string | null): Promise<Image> {
  const image = await catalog.imageByIdOrName(byIdOrName(ref));
  if (!image || image.status === 'deleted' || !canSeeImage({ projectId }, image))
    throw invalid('image', `no image ${JSON.stringify(ref)}`);
  if (image.status === 'pending')
    throw invalid('image', `image ${image.name} has no content yet: upload it (PUT /v1/images/${image.id}/file)`);
  return image;
}
