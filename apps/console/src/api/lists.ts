import { useQuery } from '@tanstack/react-query';
import type { Flavor, Image, Keypair, Network, Project, ServerGroup } from '@xenplane/sdk';
import { useSession } from '../auth/session';
import { keys } from './keys';

/** Every item of a list route, page after page (the SDK's paginate): for the short lists forms choose from. */
async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

export function useFlavors() {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.flavors,
    enabled: !!client,
    queryFn: () => all<Flavor>(client!.paginate('/v1/flavors', { params: { query: { limit: 200 } } })),
  });
}

export function useImages() {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.images,
    enabled: !!client,
    queryFn: () => all<Image>(client!.paginate('/v1/images', { params: { query: { limit: 200 } } })),
  });
}

export function useNetworks() {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.networks,
    enabled: !!client,
    queryFn: () => all<Network>(client!.paginate('/v1/networks', { params: { query: { limit: 200 } } })),
  });
}

export function useServerGroups() {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.serverGroups,
    enabled: !!client,
    queryFn: () => all<ServerGroup>(client!.paginate('/v1/server-groups', { params: { query: { limit: 200 } } })),
  });
}

export function useKeypairs(projectId: string | undefined) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.keypairs(projectId ?? ''),
    enabled: !!client && !!projectId,
    queryFn: () =>
      all<Keypair>(
        client!.paginate('/v1/projects/{id}/keypairs', { params: { path: { id: projectId! }, query: { limit: 200 } } }),
      ),
  });
}

/** The project with its quota and usage (GET /v1/projects/{id}). */
export function useProject(projectId: string | undefined) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.project(projectId ?? ''),
    enabled: !!client && !!projectId,
    queryFn: ({ signal }): Promise<Project> =>
      client!.GET('/v1/projects/{id}', { params: { path: { id: projectId! } }, signal }),
  });
}
