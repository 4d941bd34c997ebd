import { Button, Code, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { WideTable } from '../../components/WideTable';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { AuditEntry } from '@xenplane/sdk';
import { useEffect, useState } from 'react';
import { useClient } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AUDIT_METHODS, AUDIT_OUTCOMES, type AuditSearch, compact, parseAuditSearch } from '../../lib/operator';
import { opKeys } from './common';

const PAGE = 100;

/** The audit trail: every change made through the API (newest first), filtered from the URL. */
export function AuditPage() {
  const client = useClient();
  const search = useSearch({ from: '/audit' });
  const navigate = useNavigate({ from: '/audit' });
  const rows = useInfiniteQuery({
    queryKey: opKeys.audit(search),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      client.GET('/v1/audit', {
        params: { query: { limit: PAGE, ...search, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = rows.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (patch: Partial<AuditSearch>) =>
    void navigate({ search: (s) => compact({ ...s, ...patch }) as AuditSearch });

  return (
    <Stack>
      <Title order={1} size="h2">
        Audit trail
      </Title>
      <AuditFilters search={search} onApply={set} onClear={() => void navigate({ search: {} })} />
      <ProblemAlert error={rows.error} title="The audit trail could not be read" />
      <WideTable label="Audit trail table" minWidth={1100}>
        <Table highlightOnHover aria-label="Audit trail">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Who</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Request</Table.Th>
              <Table.Th scope="col">Resources</Table.Th>
              <Table.Th scope="col">Answer</Table.Th>
              <Table.Th scope="col">From</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <AuditRow key={e.id} e={e} />
            ))}
          </Table.Tbody>
        </Table>
      </WideTable>
      {!rows.isPending && !entries.length && !rows.error ? <Text>No entries match.</Text> : null}
      {rows.hasNextPage ? (
        <Button variant="default" onClick={() => void rows.fetchNextPage()} loading={rows.isFetchingNextPage}>
          Load more
        </Button>
      ) : null}
    </Stack>
  );
}

function AuditRow({ e }: { e: AuditEntry }) {
  const who = e.tokenName ? `${e.tokenName}${e.role ? ` (${e.role})` : ''}` : e.actorType;
  return (
    <Table.Tr data-audit-id={e.id}>
      <Table.Td>{new Date(e.createdAt).toLocaleString()}</Table.Td>
      <Table.Td>{who}</Table.Td>
      <Table.Td>
        <Code>{e.action}</Code>
      </Table.Td>
      <Table.Td>
        {e.method} {e.route}
      </Table.Td>
      <Table.Td>{e.resourceIds.map((id) => id.slice(0, 8)).join(', ') || '—'}</Table.Td>
      <Table.Td>
        <Text size="sm" c={e.status >= 400 ? 'red.9' : undefined}>
          {e.status}
          {e.problemCode ? ` ${e.problemCode}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>{e.sourceAddress}</Table.Td>
    </Table.Tr>
  );
}

type Draft = Record<'action' | 'resourceType' | 'resourceId' | 'tokenId' | 'projectId' | 'since' | 'until', string>;

const draftOf = (s: AuditSearch): Draft => ({
  action: s.action ?? '',
  resourceType: s.resourceType ?? '',
  resourceId: s.resourceId ?? '',
  tokenId: s.tokenId ?? '',
  projectId: s.projectId ?? '',
  since: s.since ?? '',
  until: s.until ?? '',
});

function AuditFilters({
  search,
  onApply,
  onClear,
}: {
  search: AuditSearch;
  onApply: (s: Partial<AuditSearch>) => void;
  onClear: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(search));
  useEffect(() => setDraft(draftOf(search)), [search]);
  const input = (k: keyof Draft, label: string, placeholder: string, w = 200) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={draft[k]}
      onChange={(e) => {
        const v = e.currentTarget.value;
        setDraft((d) => ({ ...d, [k]: v }));
      }}
      w={w}
    />
  );
  return (
    <form
      role="search"
      aria-label="Filter the audit trail"
      onSubmit={(e) => {
        e.preventDefault();
        // what the API would refuse is dropped here, as from a URL
        const parsed = parseAuditSearch({ ...draft, method: search.method, outcome: search.outcome });
        onApply({ ...Object.fromEntries(Object.keys(draft).map((k) => [k, undefined])), ...parsed });
      }}
    >
      <Group align="flex-end">
        {input('action', 'Action', 'vm.stop')}
        {input('resourceType', 'Resource type', 'vm, host, pool…', 150)}
        {input('resourceId', 'Resource id', 'uuid', 300)}
        {input('tokenId', 'Token id', 'uuid', 300)}
        {input('projectId', 'Project id', 'uuid', 300)}
        <Select
          label="Method"
          placeholder="any"
          data={[...AUDIT_METHODS]}
          value={search.method ?? null}
          onChange={(v) => onApply({ method: (v ?? undefined) as AuditSearch['method'] })}
          clearable
          w={120}
        />
        <Select
          label="Answer"
          placeholder="any"
          data={[...AUDIT_OUTCOMES]}
          value={search.outcome ?? null}
          onChange={(v) => onApply({ outcome: (v ?? undefined) as AuditSearch['outcome'] })}
          clearable
          w={120}
        />
        {input('since', 'Since', '2026-12-01T00:00:00Z', 220)}
        {input('until', 'Until', '2026-12-02T00:00:00Z', 220)}
        <Button type="submit" variant="light">
          Filter
        </Button>
        <Button variant="subtle" onClick={onClear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
