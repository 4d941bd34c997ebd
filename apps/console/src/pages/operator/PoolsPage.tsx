import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { Pool } from '@xenplane/sdk';
import { useEffect, useState } from 'react';
import { useClient } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import {
  axisTime,
  DEFAULT_RANGE,
  USAGE_RANGES,
  USAGE_RESOURCES,
  type UsageRange,
  usageQuery,
  usageRows,
  usageSummary,
} from '../../lib/operator';
import { opKeys, useOperatorEvents, usePools } from './common';

/**
 * Pools: capacity and usage per resource over time (the usage history the scheduler samples),
 * the HA plan (failures tolerated, protected VMs by priority, hosts by liveness, restarts) and
 * the allocation ratios. The pool and the window are in the URL.
 */
export function PoolsPage() {
  useOperatorEvents();
  const search = useSearch({ from: '/pools' });
  const navigate = useNavigate({ from: '/pools' });
  const pools = usePools();
  const poolId = search.pool ?? pools.data?.[0]?.id;
  const pool = pools.data?.find((p) => p.id === poolId);
  const range = search.range ?? DEFAULT_RANGE;

  return (
    <Stack>
      <Title order={1} size="h2">
        Pools
      </Title>
      <ProblemAlert error={pools.error} title="The pools could not be listed" />
      <Group align="flex-end">
        <Select
          label="Pool"
          data={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={poolId ?? null}
          onChange={(v) => v && void navigate({ search: (s) => ({ ...s, pool: v }) })}
          allowDeselect={false}
          w={260}
        />
        <SegmentedControl
          aria-label="Window"
          data={Object.keys(USAGE_RANGES).map((r) => ({ value: r, label: `last ${r}` }))}
          value={range}
          onChange={(v) =>
            void navigate({
              search: (s) => ({
                ...(s.pool ? { pool: s.pool } : {}),
                ...(v !== DEFAULT_RANGE ? { range: v as UsageRange } : {}),
              }),
            })
          }
        />
      </Group>
      {pools.data && !pools.data.length ? <Text>No pool yet.</Text> : null}
      {pool ? (
        <>
          <UsagePlots poolId={pool.id} range={range} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <HaPlan poolId={pool.id} />
            <Settings pool={pool} />
          </SimpleGrid>
        </>
      ) : null}
    </Stack>
  );
}

function UsagePlots({ poolId, range }: { poolId: string; range: UsageRange }) {
  const client = useClient();
  const history = useQuery({
    queryKey: opKeys.poolUsage(poolId, range),
    queryFn: ({ signal }) =>
      client.GET('/v1/pools/{id}/usage-history', {
        params: { path: { id: poolId }, query: usageQuery(range, Date.now()) },
        signal,
      }),
    // samples come once a minute: read again as often
    refetchInterval: 60_000,
  });
  const points = history.data?.points ?? [];
  return (
    <section aria-labelledby="usage-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h3" id="usage-title">
          Capacity and usage
        </Title>
        {history.data ? (
          <Text size="xs" c="gray.7">
            {points.length} point{points.length === 1 ? '' : 's'}, each the mean of{' '}
            {Math.round(history.data.bucketMs / 1000)} s
          </Text>
        ) : null}
      </Group>
      <ProblemAlert error={history.error} title="The usage history could not be read" />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {USAGE_RESOURCES.map((r) => {
          const rows = usageRows(points, r.key);
          const titleId = `plot-${r.key}`;
          const summary = history.isPending ? 'Loading…' : usageSummary(rows, r.unit);
          return (
            <Card withBorder key={r.key} component="figure" m={0} aria-labelledby={titleId}>
              <Text fw={600} id={titleId}>
                {r.label}
                {r.unit ? ` (${r.unit})` : ''}
              </Text>
              <Text size="sm" c="gray.7" mb="xs" data-testid={`usage-summary-${r.key}`}>
                {summary}
              </Text>
              <LineChart
                h={180}
                data={rows}
                dataKey="t"
                // recharts' accessibility layer: the plot is focusable, arrow keys move its tooltip
                // from point to point; its title and description name it
                lineChartProps={{ title: `${r.label}, last ${range}`, desc: summary }}
                withDots={false}
                curveType="linear"
                withLegend
                xAxisProps={{
                  type: 'number',
                  scale: 'time',
                  domain: ['dataMin', 'dataMax'],
                  tickFormatter: (t: number) => axisTime(t, range),
                }}
                series={[
                  ...(r.key !== 'instances'
                    ? [{ name: 'capacity', label: 'capacity', color: 'gray.7', strokeDasharray: '5 5' }]
                    : []),
                  { name: 'used', label: 'used (mean)', color: 'blue.8' },
                  { name: 'peak', label: 'peak', color: 'orange.8' },
                ]}
              />
            </Card>
          );
        })}
      </SimpleGrid>
    </section>
  );
}

function HaPlan({ poolId }: { poolId: string }) {
  const client = useClient();
  const ha = useQuery({
    queryKey: opKeys.poolHa(poolId),
    queryFn: ({ signal }) => client.GET('/v1/pools/{id}/ha', { params: { path: { id: poolId } }, signal }),
    refetchInterval: 10_000,
  });
  const h = ha.data;
  return (
    <Card withBorder component="section" aria-labelledby="ha-title">
      <Title order={2} size="h3" id="ha-title" mb="xs">
        High availability
      </Title>
      <ProblemAlert error={ha.error} title="The HA plan could not be read" />
      {h ? (
        <Stack gap="sm">
          {h.partitionedSince ? (
            <Alert color="red" title="Partitioned" role="alert">
              More than half of the pool has been silent since {new Date(h.partitionedSince).toLocaleString()}: nothing
              is restarted.
            </Alert>
          ) : null}
          <Group gap="xs">
            <Text>Host failures tolerated now:</Text>
            <Badge color={h.failuresTolerated >= h.target ? 'green' : 'red'} size="lg" variant="dot">
              {h.failuresTolerated} of {h.target} planned
            </Badge>
          </Group>
          <Table withTableBorder captionSide="top" aria-label="Protected VMs by priority">
            <Table.Caption c="gray.7">Protected VMs by priority (restarted in this order)</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">high</Table.Th>
                <Table.Th scope="col">medium</Table.Th>
                <Table.Th scope="col">low</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td>{h.protectedVms.high}</Table.Td>
                <Table.Td>{h.protectedVms.medium}</Table.Td>
                <Table.Td>{h.protectedVms.low}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Table withTableBorder captionSide="top" aria-label="Hosts by liveness">
            <Table.Caption c="gray.7">Hosts by liveness ({h.hosts.placeable} placeable)</Table.Caption>
            <Table.Tbody>
              {(['up', 'suspect', 'unreachable', 'down', 'maintenance', 'disabled', 'enrolling'] as const).map((s) => (
                <Table.Tr key={s}>
                  <Table.Th scope="row">{s}</Table.Th>
                  <Table.Td>{h.hosts[s]}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm">
            HA restarts: {h.restarts.running} running, {h.restarts.waiting} waiting for capacity, {h.restarts.queued}{' '}
            queued
          </Text>
        </Stack>
      ) : null}
    </Card>
  );
}

function Settings({ pool }: { pool: Pool }) {
  const client = useClient();
  const qc = useQueryClient();
  const [ratios, setRatios] = useState(() => ratiosOf(pool));
  useEffect(() => setRatios(ratiosOf(pool)), [pool]);
  const save = useMutation({
    mutationFn: () => client.PATCH('/v1/pools/{id}', { params: { path: { id: pool.id } }, body: ratios }),
    onSuccess: () => qc.invalidateQueries({ queryKey: opKeys.all }),
  });
  const changed = JSON.stringify(ratios) !== JSON.stringify(ratiosOf(pool));
  const field = (key: keyof typeof ratios, label: string, description: string, step = 0.1) => (
    <NumberInput
      label={label}
      description={description}
      descriptionProps={{ c: 'gray.7' }}
      value={ratios[key]}
      min={key === 'haHostFailuresToTolerate' ? 0 : 0.1}
      step={step}
      decimalScale={key === 'haHostFailuresToTolerate' ? 0 : 2}
      onChange={(v) => setRatios((r) => ({ ...r, [key]: typeof v === 'number' ? v : Number(v) }))}
    />
  );
  return (
    <Card withBorder component="section" aria-labelledby="settings-title">
      <Title order={2} size="h3" id="settings-title" mb="xs">
        Allocation ratios and HA target
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="xs">
          {field('cpuAllocationRatio', 'vCPU allocation ratio', 'vCPUs offered per physical CPU')}
          {field('ramAllocationRatio', 'Memory allocation ratio', 'memory offered per MB (1: no overcommit)')}
          {field('diskAllocationRatio', 'Disk allocation ratio', 'disk offered per GB')}
          {field('haHostFailuresToTolerate', 'Host failures to tolerate', 'placement keeps room for this many', 1)}
          <Text size="xs" c="gray.7">
            Liveness: heartbeats every {pool.liveness.heartbeatIntervalMs} ms, suspect after{' '}
            {pool.liveness.suspectAfterMs} ms, dead after {pool.liveness.deadAfterMs} ms. CPU compatibility{' '}
            {pool.requireCpuCompatibility ? 'required' : 'not required'}.
          </Text>
          <ProblemAlert error={save.error} title="The pool could not be changed" />
          {save.isSuccess && !changed ? (
            <Text size="sm" c="green.9" role="status">
              Saved.
            </Text>
          ) : null}
          <Group>
            <Button type="submit" disabled={!changed} loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ratiosOf(p: Pool) {
  return {
    cpuAllocationRatio: p.cpuAllocationRatio,
    ramAllocationRatio: p.ramAllocationRatio,
    diskAllocationRatio: p.diskAllocationRatio,
    haHostFailuresToTolerate: p.haHostFailuresToTolerate,
  };
}
