import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { DryRun, Flavor, Host, Image } from '@xenplane/sdk';
import { useState } from 'react';
import { useClient } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePools } from './common';

type HaPriority = 'none' | 'low' | 'medium' | 'high';

interface Form {
  poolId: string | null;
  sizing: 'flavor' | 'custom';
  flavor: string | null;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  booting: 'image' | 'guestType';
  image: string | null;
  guestType: 'pv' | 'pvh' | 'hvm';
  count: number;
  haPriority: HaPriority;
  excludeHostIds: string[];
}

/** The dry-run body for a form: a flavor or resources, an image or a guest type, and the rest when set. */
export function dryRunBody(f: Form) {
  return {
    count: f.count,
    haPriority: f.haPriority,
    ...(f.poolId ? { poolId: f.poolId } : {}),
    ...(f.sizing === 'flavor' && f.flavor ? { flavor: f.flavor } : {}),
    ...(f.sizing === 'custom' ? { vcpus: f.vcpus, memoryMb: f.memoryMb, diskGb: f.diskGb } : {}),
    ...(f.booting === 'image' && f.image ? { image: f.image } : {}),
    ...(f.booting === 'guestType' ? { guestType: f.guestType } : {}),
    ...(f.excludeHostIds.length ? { excludeHostIds: f.excludeHostIds } : {}),
  };
}

/**
 * Placement dry-run: a hypothetical create run through the scheduler's own filters and weighers
 * over the hosts as they are now; shows per filter how many hosts it removed and why, and where
 * each VM would go. Claims nothing.
 */
export function PlacementPage() {
  const client = useClient();
  const pools = usePools();
  const flavors = useQuery({
    queryKey: ['op', 'flavors'],
    queryFn: async () => {
      const out: Flavor[] = [];
      for await (const f of client.paginate('/v1/flavors', { params: { query: { limit: 200 } } }))
        out.push(f as Flavor);
      return out;
    },
    staleTime: 60_000,
  });
  const images = useQuery({
    queryKey: ['op', 'images'],
    queryFn: async () => {
      const out: Image[] = [];
      for await (const i of client.paginate('/v1/images', { params: { query: { limit: 200 } } })) out.push(i as Image);
      return out;
    },
    staleTime: 60_000,
  });
  const hosts = useQuery({
    queryKey: ['op', 'hosts', 'names'],
    queryFn: async () => {
      const out: Host[] = [];
      for await (const h of client.paginate('/v1/hosts', { params: { query: { limit: 500 } } })) out.push(h as Host);
      return out;
    },
    staleTime: 60_000,
  });
  const [form, setForm] = useState<Form>({
    poolId: null,
    sizing: 'flavor',
    flavor: null,
    vcpus: 1,
    memoryMb: 1024,
    diskGb: 10,
    booting: 'image',
    image: null,
    guestType: 'pv',
    count: 1,
    haPriority: 'none',
    excludeHostIds: [],
  });
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const run = useMutation({
    mutationFn: () => client.POST('/v1/placement/dry-run', { body: dryRunBody(form) }),
  });

  return (
    <Stack>
      <Title order={1} size="h2">
        Placement dry-run
      </Title>
      <Text size="sm">
        Where a create would land now, through the scheduler&apos;s own filters and weighers. Nothing is claimed.
      </Text>
      <form
        aria-label="Dry-run request"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <Select
            label="Pool"
            placeholder="any pool"
            data={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={form.poolId}
            onChange={(v) => set('poolId', v)}
            clearable
          />
          <NumberInput
            label="Count"
            min={1}
            max={100}
            value={form.count}
            onChange={(v) => set('count', Number(v) || 1)}
          />
          <Select
            label="HA priority"
            data={['none', 'low', 'medium', 'high']}
            value={form.haPriority}
            onChange={(v) => set('haPriority', (v ?? 'none') as HaPriority)}
            allowDeselect={false}
          />
          <Stack gap={4}>
            <SegmentedControl
              aria-label="Size by"
              data={[
                { value: 'flavor', label: 'Flavor' },
                { value: 'custom', label: 'Resources' },
              ]}
              value={form.sizing}
              onChange={(v) => set('sizing', v as Form['sizing'])}
            />
            {form.sizing === 'flavor' ? (
              <Select
                label="Flavor"
                data={(flavors.data ?? []).map((f) => ({
                  value: f.name,
                  label: `${f.name} (${f.vcpus} vCPU, ${f.memoryMb} MB, ${f.diskGb} GB)`,
                }))}
                value={form.flavor}
                onChange={(v) => set('flavor', v)}
                searchable
              />
            ) : (
              <Group grow>
                <NumberInput label="vCPUs" min={1} value={form.vcpus} onChange={(v) => set('vcpus', Number(v) || 1)} />
                <NumberInput
                  label="Memory (MB)"
                  min={16}
                  value={form.memoryMb}
                  onChange={(v) => set('memoryMb', Number(v) || 16)}
                />
                <NumberInput
                  label="Disk (GB)"
                  min={0}
                  value={form.diskGb}
                  onChange={(v) => set('diskGb', Number(v) || 0)}
                />
              </Group>
            )}
          </Stack>
          <Stack gap={4}>
            <SegmentedControl
              aria-label="Boot from"
              data={[
                { value: 'image', label: 'Image' },
                { value: 'guestType', label: 'Guest type' },
              ]}
              value={form.booting}
              onChange={(v) => set('booting', v as Form['booting'])}
            />
            {form.booting === 'image' ? (
              <Select
                label="Image"
                data={(images.data ?? []).map((i) => ({ value: i.name, label: `${i.name} (${i.guestType})` }))}
                value={form.image}
                onChange={(v) => set('image', v)}
                searchable
              />
            ) : (
              <Select
                label="Guest type"
                data={['pv', 'pvh', 'hvm']}
                value={form.guestType}
                onChange={(v) => set('guestType', (v ?? 'pv') as Form['guestType'])}
                allowDeselect={false}
              />
            )}
          </Stack>
          <MultiSelect
            label="Leave out hosts"
            data={(hosts.data ?? []).map((h) => ({ value: h.id, label: h.name }))}
            value={form.excludeHostIds}
            onChange={(v) => set('excludeHostIds', v)}
            searchable
            clearable
          />
        </SimpleGrid>
        <Group mt="md">
          <Button type="submit" loading={run.isPending}>
            Dry-run
          </Button>
        </Group>
      </form>
      <ProblemAlert error={run.error} title="The dry-run was refused" />
      {run.data ? (
        <Explanation result={run.data} names={new Map((hosts.data ?? []).map((h) => [h.id, h.name]))} />
      ) : null}
    </Stack>
  );
}

function Explanation({ result, names }: { result: DryRun; names: Map<string, string> }) {
  return (
    <Card withBorder component="section" aria-labelledby="dry-run-result">
      <Group mb="sm">
        <Title order={2} size="h3" id="dry-run-result">
          Result
        </Title>
        <Badge color={result.placeable ? 'green' : 'red'} variant="dot" size="lg">
          {result.placeable ? 'placeable' : 'no valid host'}
        </Badge>
        <Text size="sm">{result.hostsConsidered} hosts considered</Text>
      </Group>
      {!result.placeable && result.failedIndex !== undefined ? (
        <Alert color="red" mb="sm" role="status">
          VM #{result.failedIndex + 1} of the batch finds no host: the ones before it would take the room it needed, or
          the filters below remove every host.
        </Alert>
      ) : null}
      <Table withTableBorder captionSide="top" aria-label="Hosts removed per filter" mb="md">
        <Table.Caption c="gray.7">Per filter, in the order they run: hosts removed and why</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Filter</Table.Th>
            <Table.Th scope="col">Removed</Table.Th>
            <Table.Th scope="col">Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.filters.map((f) => (
            <Table.Tr key={f.filter} data-filter={f.filter}>
              <Table.Td>{f.filter}</Table.Td>
              <Table.Td>
                <Text size="sm" fw={f.removed ? 700 : undefined} c={f.removed ? 'red.9' : undefined}>
                  {f.removed}
                </Text>
              </Table.Td>
              <Table.Td>{f.reason}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {result.placements.length ? (
        <>
          <Title order={3} size="h4" mb="xs">
            Placements
          </Title>
          <List type="ordered">
            {result.placements.map((p, i) => (
              <List.Item key={i}>
                {p.hostName}
                {p.candidates.length > 1 ? (
                  <Text span size="xs" c="gray.7">
                    {' '}
                    (then{' '}
                    {p.candidates
                      .slice(1, 4)
                      .map((c) => names.get(c) ?? c)
                      .join(', ')}
                    {p.candidates.length > 4 ? '…' : ''})
                  </Text>
                ) : null}
              </List.Item>
            ))}
          </List>
        </>
      ) : null}
    </Card>
  );
}
