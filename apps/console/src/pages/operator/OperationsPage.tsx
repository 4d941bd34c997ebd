import { Button, Group, Progress, Select, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { WideTable } from '../../components/WideTable';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type Operation, OPERATION_KINDS, OPERATION_STATUSES } from '@xenplane/sdk';
import { useEffect, useState } from 'react';
import { useClient } from '../../auth/session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { AnchorLink } from '../../components/links';
import { ProblemAlert } from '../../components/ProblemAlert';
import { StateBadge } from '../../components/StateBadge';
import { TimelineButton } from '../../components/TimelineButton';
import { compact, type OperationsSearch } from '../../lib/operator';
import { opKeys, useOperatorEvents } from './common';

const PAGE = 100;

/** Every operation (newest first), filtered by status, kind and VM from the URL, live from the event stream. */
export function OperationsPage() {
  useOperatorEvents();
  const client = useClient();
  const search = useSearch({ from: '/operations' });
  const navigate = useNavigate({ from: '/operations' });
  const ops = useInfiniteQuery({
    queryKey: opKeys.operations(search),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      client.GET('/v1/operations', {
        params: { query: { limit: PAGE, ...search, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = ops.data?.pages.flatMap((p) => p.items) ?? [];
  const [vmId, setVmId] = useState(search.vmId ?? '');
  useEffect(() => setVmId(search.vmId ?? ''), [search.vmId]);
  const set = (patch: Partial<OperationsSearch>) =>
    void navigate({ search: (s) => compact({ ...s, ...patch }) as OperationsSearch });

  return (
    <Stack>
      <Title order={1} size="h2">
        Operations
      </Title>
      <form
        role="search"
        aria-label="Filter operations"
        onSubmit={(e) => {
          e.preventDefault();
          set({ vmId: vmId.trim() || undefined });
        }}
      >
        <Group align="flex-end">
          <Select
            label="Status"
            placeholder="any"
            data={OPERATION_STATUSES as string[]}
            value={search.status ?? null}
            onChange={(v) => set({ status: (v ?? undefined) as OperationsSearch['status'] })}
            clearable
            w={160}
          />
          <Select
            label="Kind"
            placeholder="any"
            data={OPERATION_KINDS as string[]}
            value={search.kind ?? null}
            onChange={(v) => set({ kind: (v ?? undefined) as OperationsSearch['kind'] })}
            clearable
            w={180}
          />
          <TextInput label="VM id" value={vmId} onChange={(e) => setVmId(e.currentTarget.value)} w={330} />
          <Button type="submit" variant="light">
            Filter
          </Button>
          <Button variant="subtle" onClick={() => void navigate({ search: {} })}>
            Clear
          </Button>
        </Group>
      </form>
      <ProblemAlert error={ops.error} title="The operations could not be listed" />
      <WideTable label="Operations table" minWidth={1000}>
        <Table highlightOnHover aria-label="Operations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col" w={160}>
                Progress
              </Table.Th>
              <Table.Th scope="col">Target</Table.Th>
              <Table.Th scope="col">Requested by</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Finished</Table.Th>
              <Table.Th scope="col">Error</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((op) => (
              <OperationRow key={op.id} op={op} />
            ))}
          </Table.Tbody>
        </Table>
      </WideTable>
      {!ops.isPending && !rows.length && !ops.error ? <Text>No operations match.</Text> : null}
      {ops.hasNextPage ? (
        <Button variant="default" onClick={() => void ops.fetchNextPage()} loading={ops.isFetchingNextPage}>
          Load more
        </Button>
      ) : null}
    </Stack>
  );
}

function OperationRow({ op }: { op: Operation }) {
  const client = useClient();
  const qc = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => client.POST('/v1/operations/{id}/cancel', { params: { path: { id: op.id } } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: opKeys.all }),
  });
  const open = op.status === 'queued' || op.status === 'running';
  return (
    <Table.Tr data-operation-id={op.id}>
      <Table.Td>{op.kind}</Table.Td>
      <Table.Td>
        <StateBadge state={op.status} />
      </Table.Td>
      <Table.Td>
        <Text size="xs">
          {op.progress}%{op.step ? ` · ${op.step}` : ''}
        </Text>
        <Progress value={op.progress} size="xs" aria-label={`${op.kind} ${op.id.slice(0, 8)}: ${op.progress}%`} />
      </Table.Td>
      <Table.Td>
        {op.vmId ? (
          <AnchorLink to="/vms/$vmId" params={{ vmId: op.vmId }}>
            VM {op.vmId.slice(0, 8)}
          </AnchorLink>
        ) : op.hostId ? (
          <AnchorLink to="/hosts" search={{ host: op.hostId }}>
            host {op.hostId.slice(0, 8)}
          </AnchorLink>
        ) : (
          '—'
        )}
      </Table.Td>
      <Table.Td>{op.requestedByName ?? (op.requestedBy ? op.requestedBy.slice(0, 8) : 'control plane')}</Table.Td>
      <Table.Td>{new Date(op.createdAt).toLocaleString()}</Table.Td>
      <Table.Td>{op.finishedAt ? new Date(op.finishedAt).toLocaleString() : '—'}</Table.Td>
      <Table.Td>
        {op.error ? (
          <Text size="sm" c="red.9">
            {op.error.code}: {op.error.message}
          </Text>
        ) : null}
        <ProblemAlert error={cancel.error} title="Cancel refused" />
      </Table.Td>
      <Table.Td>
        <TimelineButton operationId={op.id} label={`${op.kind} ${op.id.slice(0, 8)}`} />
        {open ? (
          <ConfirmButton
            size="compact-sm"
            variant="subtle"
            color="red"
            title="Cancel this operation?"
            message={`The ${op.kind} stops at its next step; what it already did stays done.`}
            confirmLabel="Cancel operation"
            onConfirm={() => cancel.mutate()}
            loading={cancel.isPending}
          >
            Cancel
          </ConfirmButton>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}
