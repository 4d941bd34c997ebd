import { Button, Group, Loader, MultiSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type Host, type Vm, VM_STATES } from '@xenplane/sdk';
import { useEffect, useRef, useState } from 'react';
import { keys } from '../../api/keys';
import { useClient, useSession } from '../../auth/session';
import { AnchorLink, ButtonLink } from '../../components/links';
import { ProblemAlert } from '../../components/ProblemAlert';
import { StateBadge } from '../../components/StateBadge';
import type { VmPageData } from '../../lib/live';
import { type VmSearch, vmListQuery } from '../../lib/vm-search';
import { vmsRoute } from '../../router';

const PAGE = 200;
const ROW_HEIGHT = 41;

/**
 * The VMs the token may see, a page at a time from the server (filters in the URL), rows
 * virtualized (only those on screen are in the DOM), updated live from the event stream.
 */
export function VmListPage() {
  const client = useClient();
  const { whoami, isOperator, projectId } = useSession();
  // a global admin's chosen project narrows the list (a project token's is its own anyway)
  const project = whoami?.global ? projectId : undefined;
  const search = vmsRoute.useSearch();
  const navigate = useNavigate({ from: '/vms' });

  const vms = useInfiniteQuery({
    queryKey: [...keys.vms(search), project ?? 'all'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      client.GET('/v1/vms', {
        params: { query: vmListQuery(search, PAGE, pageParam, project) },
        signal,
      }) as Promise<VmPageData>,
    getNextPageParam: (last) => last.nextCursor,
  });
  const hosts = useQuery({
    queryKey: ['hosts', 'names'],
    enabled: isOperator,
    queryFn: async () => {
      const names = new Map<string, string>();
      for await (const h of client.paginate('/v1/hosts', { params: { query: { limit: 200 } } }))
        names.set((h as Host).id, (h as Host).name);
      return names;
    },
  });

  const rows: Vm[] = vms.data?.pages.flatMap((p) => p.items) ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const lastShown = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (vms.hasNextPage && !vms.isFetchingNextPage && lastShown >= rows.length - 40) void vms.fetchNextPage();
  }, [lastShown, rows.length, vms]);

  const showHost = isOperator;
  const showProject = !!whoami?.global && !project;
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length ? virtual.getTotalSize() - items.at(-1)!.end : 0;
  const columns = 5 + (showHost ? 1 : 0) + (showProject ? 1 : 0);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Virtual machines
        </Title>
        <ButtonLink to="/vms/new">Create VMs</ButtonLink>
      </Group>
      <Filters search={search} onChange={(s) => void navigate({ search: s })} />
      <ProblemAlert error={vms.error} title="The VMs could not be listed" />
      <Text size="sm" aria-live="polite">
        {vms.isPending
          ? 'Loading…'
          : `${rows.length} VM${rows.length === 1 ? '' : 's'}${vms.hasNextPage ? ' loaded, more as you scroll' : ''}`}
      </Text>
      <div
        ref={scroller}
        style={{ height: 'calc(100vh - 300px)', minHeight: 240, overflow: 'auto' }}
        tabIndex={0}
        role="region"
        aria-label="VM list"
      >
        <Table stickyHeader highlightOnHover verticalSpacing={8} aria-rowcount={rows.length + 1}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Addresses</Table.Th>
              <Table.Th scope="col">Flavor</Table.Th>
              {showHost ? <Table.Th scope="col">Host</Table.Th> : null}
              {showProject ? <Table.Th scope="col">Project</Table.Th> : null}
              <Table.Th scope="col">Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {padTop > 0 ? (
              <tr aria-hidden="true">
                <td colSpan={columns} style={{ height: padTop, padding: 0, border: 0 }} />
              </tr>
            ) : null}
            {items.map((item) => {
              const vm = rows[item.index]!;
              return (
                <Table.Tr
                  key={vm.id}
                  ref={virtual.measureElement}
                  data-index={item.index}
                  data-vm-id={vm.id}
                  aria-rowindex={item.index + 2}
                >
                  <Table.Td>
                    <AnchorLink to="/vms/$vmId" params={{ vmId: vm.id }}>
                      {vm.name}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={vm.state} />
                  </Table.Td>
                  <Table.Td>{vm.addresses.map((a) => a.ip).join(', ') || '—'}</Table.Td>
                  <Table.Td>{vm.flavor.name}</Table.Td>
                  {showHost ? (
                    <Table.Td>{vm.hostId ? (hosts.data?.get(vm.hostId) ?? vm.hostId.slice(0, 8)) : '—'}</Table.Td>
                  ) : null}
                  {showProject ? <Table.Td>{vm.projectId.slice(0, 8)}</Table.Td> : null}
                  <Table.Td>{new Date(vm.createdAt).toLocaleString()}</Table.Td>
                </Table.Tr>
              );
            })}
            {padBottom > 0 ? (
              <tr aria-hidden="true">
                <td colSpan={columns} style={{ height: padBottom, padding: 0, border: 0 }} />
              </tr>
            ) : null}
          </Table.Tbody>
        </Table>
        {vms.isFetchingNextPage || vms.isPending ? <Loader size="sm" m="md" aria-label="Loading VMs" /> : null}
        {!vms.isPending && !rows.length && !vms.error ? (
          <Text m="md">No VMs{Object.keys(search).length ? ' match these filters' : ' yet'}.</Text>
        ) : null}
      </div>
    </Stack>
  );
}

function Filters({ search, onChange }: { search: VmSearch; onChange: (s: VmSearch) => void }) {
  const [name, setName] = useState(search.name ?? '');
  const [meta, setMeta] = useState((search.meta ?? []).join(', '));
  useEffect(() => {
    setName(search.name ?? '');
    setMeta((search.meta ?? []).join(', '));
  }, [search.name, search.meta]);
  const apply = (patch: Partial<VmSearch>) => {
    const next: VmSearch = { ...search, ...patch };
    for (const k of Object.keys(next) as (keyof VmSearch)[]) {
      const v = next[k];
      if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) delete next[k];
    }
    onChange(next);
  };
  return (
    <form
      role="search"
      aria-label="Filter VMs"
      onSubmit={(e) => {
        e.preventDefault();
        const pairs = meta
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m.includes('='));
        apply({ name: name.trim(), meta: pairs });
      }}
    >
      <Group align="flex-end">
        <MultiSelect
          label="State"
          placeholder="all but deleted"
          data={VM_STATES as string[]}
          value={search.state ?? []}
          onChange={(v) => apply({ state: v as VmSearch['state'] })}
          clearable
          w={280}
        />
        <TextInput label="Name starts with" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput
          label="Metadata"
          placeholder="key=value, key2=value2"
          value={meta}
          onChange={(e) => setMeta(e.currentTarget.value)}
        />
        <Button type="submit" variant="light">
          Filter
        </Button>
        <Button variant="subtle" onClick={() => onChange({})}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
