import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Project } from '@xenplane/sdk';
import { keys } from '../api/keys';
import { useSession } from './session';

const ALL = '*';

/**
 * The project the pages work in. A project token has its one project; a global admin token
 * chooses among all (GET /v1/projects). A global operator may not list projects: it works across
 * them (the VM list shows every project's VMs).
 */
export function ProjectSwitcher() {
  const { client, whoami, projectId, setProject } = useSession();
  const own = whoami?.projectId;
  const projects = useQuery({
    // a list of projects (a project token's: its one): never under keys.project(id), where
    // useProject keeps one project, or the page reading it gets an array (the e2e test caught it)
    queryKey: own ? [...keys.projects, own] : keys.projects,
    enabled: !!client && (!!own || whoami?.role === 'admin'),
    queryFn: async (): Promise<Project[]> => {
      if (own) return [await client!.GET('/v1/projects/{id}', { params: { path: { id: own } } })];
      const all: Project[] = [];
      for await (const p of client!.paginate('/v1/projects', { params: { query: { limit: 200 } } })) all.push(p);
      return all;
    },
  });
  const list = projects.data ?? [];
  if (!whoami || (whoami.global && whoami.role !== 'admin')) return null;
  return (
    <Select
      label="Project"
      size="xs"
      w={220}
      // a global admin starts across all projects (VMs created then go to the admin project)
      data={[
        ...(own ? [] : [{ value: ALL, label: 'All projects' }]),
        ...list.map((p) => ({ value: p.id, label: p.name })),
      ]}
      value={projectId ?? ALL}
      onChange={(v) => setProject(v && v !== ALL ? v : undefined)}
      disabled={!!own}
      allowDeselect={false}
      error={projects.error ? 'projects could not be read' : undefined}
    />
  );
}
