import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { WideTable } from '../../components/WideTable';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { Host, Operation, Vm } from '@xenplane/sdk';
import { useState } from 'react';
import { useClient } from '../../auth/session';
import { AnchorLink } from '../../components/links';
import { ProblemAlert } from '../../components/ProblemAlert';
import { StateBadge } from '../../components/StateBadge';
import {
  compact,
  evacuationsByHost,
  formatMemory,
  heartbeatAge,
  HOST_STATES,
  hostActions,
  hostLiveness,
  type HostsSearch,
} from '../../lib/operator';
import { opKeys, ResourceBar, useOperatorEvents, usePools } from './common';

/**
 * Hosts: liveness with the age of the last heartbeat, capacity bars, the VMs on each,
 * maintenance (with or without evacuation) and enable, declare dead (typing the host's name),
 * and each evacuation's progress, live from the event stream.
 */
export function HostsPage() {
  useOperatorEvents();
  const client = useClient();
  const search = useSearch({ from: '/hosts' });
  const navigate = useNavigate({ from: '/hosts' });
  const pools = usePools();
  const filter = { pool: search.pool, state: search.state };
  const hosts = useQuery({
    queryKey: opKeys.hosts(filter),
    queryFn: async () => {
      const out: Host[] = [];
      const query = {
        limit: 500,
        ...(search.pool ? { poolId: search.pool } : {}),
        ...(search.state ? { state: search.state } : {}),
      };
      for await (const h of client.paginate('/v1/hosts', { params: { query } })) out.push(h as Host);
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    // heartbeat ages move on with no event: read again every few seconds
    refetchInterval: 5_000,
  });
  const evacuations = useQuery({
    queryKey: opKeys.evacuations,
    queryFn: async () => {
      // newest first: the evacuations under way are among the latest
      const page = await client.GET('/v1/operations', { params: { query: { kind: 'evacuate', limit: 200 } } });
      return evacuationsByHost(page.items);
    },
  });
  const poolName = new Map((pools.data ?? []).map((p) => [p.id, p.name]));
  const setSearch = (patch: Partial<HostsSearch>) =>
    void navigate({ search: (s) => compact({ ...s, ...patch }) as HostsSearch });
  const open = hosts.data?.find((h) => h.id === search.host);

  return (
    <Stack>
      <Title order={1} size="h2">
        Hosts
      </Title>
      <Group align="flex-end" role="search" aria-label="Filter hosts">
        <Select
          label="Pool"
          placeholder="every pool"
          data={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={search.pool ?? null}
          onChange={(v) => setSearch({ pool: v ?? undefined })}
          clearable
          w={220}
        />
        <MultiSelect
          label="State"
          placeholder="every state"
          data={HOST_STATES as string[]}
          value={search.state ?? []}
          onChange={(v) => setSearch({ state: v as Host['state'][] })}
          clearable
          w={320}
        />
      </Group>
      <ProblemAlert error={hosts.error} title="The hosts could not be listed" />
      <ProblemAlert error={evacuations.error} title="The evacuations could not be read" />
      <Text size="sm" aria-live="polite">
        {hosts.isPending ? 'Loading…' : `${hosts.data?.length ?? 0} hosts`}
      </Text>
      <WideTable label="Hosts table" minWidth={1100}>
        <Table highlightOnHover verticalSpacing="xs" aria-label="Hosts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Pool</Table.Th>
              <Table.Th scope="col">Liveness</Table.Th>
              <Table.Th scope="col">Last heartbeat</Table.Th>
              <Table.Th scope="col" w={220}>
                Capacity used
              </Table.Th>
              <Table.Th scope="col">VMs</Table.Th>
              <Table.Th scope="col">Evacuation</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(hosts.data ?? []).map((h) => {
              const live = hostLiveness(h);
              const evac = evacuations.data?.get(h.id);
              return (
                <Table.Tr key={h.id} data-host-id={h.id}>
                  <Table.Td>
                    <Anchor
                      component="button"
                      type="button"
                      onClick={() => setSearch({ host: search.host === h.id ? undefined : h.id })}
                      aria-expanded={search.host === h.id}
                    >
                      {h.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{poolName.get(h.poolId) ?? h.poolId.slice(0, 8)}</Table.Td>
                  <Table.Td>
                    <Badge color={live.color} variant="dot" data-state={h.state}>
                      {live.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{h.lastHeartbeatAt ? `${heartbeatAge(h.heartbeatAgeMs)} ago` : 'never'}</Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      <ResourceBar label="vCPUs" used={h.usage.vcpus} capacity={h.capacity.vcpus} />
                      <ResourceBar label="Memory" used={h.usage.memoryMb} capacity={h.capacity.memoryMb} unit="MB" />
                      <ResourceBar label="Disk" used={h.usage.diskGb} capacity={h.capacity.diskGb} unit="GB" />
                    </Stack>
                  </Table.Td>
                  <Table.Td>{h.usage.instances}</Table.Td>
                  <Table.Td>{evac ? <EvacuationProgress op={evac} /> : '—'}</Table.Td>
                  <Table.Td>
                    <HostActions host={h} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </WideTable>
      {open ? <HostDetails host={open} evacuation={evacuations.data?.get(open.id)} /> : null}
    </Stack>
  );
}

function EvacuationProgress({ op }: { op: Operation }) {
  const label = `Evacuation ${op.status}: ${op.progress}% moved`;
  return (
    <Stack gap={2} miw={140}>
      <Text size="xs">
        {op.progress}% moved{op.step ? ` (${op.step})` : ''}
      </Text>
      <Progress value={op.progress} size="sm" aria-label={label} animated={op.status === 'running'} />
    </Stack>
  );
}

function HostActions({ host }: { host: Host }) {
  const client = useClient();
  const qc = useQueryClient();
  const allowed = hostActions(host);
  const done = () => qc.invalidateQueries({ queryKey: opKeys.all });
  const enable = useMutation({
    mutationFn: () => client.POST('/v1/hosts/{id}/enable', { params: { path: { id: host.id } } }),
    onSuccess: done,
  });
  return (
    <Stack gap={4}>
      <Group gap={4} wrap="nowrap">
        {allowed.maintenance ? <MaintenanceButton host={host} /> : null}
        {allowed.enable ? (
          <Button size="compact-sm" variant="light" onClick={() => enable.mutate()} loading={enable.isPending}>
            Enable
          </Button>
        ) : null}
        {allowed.declareDead ? <DeclareDeadButton host={host} /> : null}
      </Group>
      <ProblemAlert error={enable.error} title={`${host.name} could not be enabled`} />
    </Stack>
  );
}

function MaintenanceButton({ host }: { host: Host }) {
  const client = useClient();
  const qc = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const drain = useMutation({
    mutationFn: (evacuate: boolean) =>
      client.POST('/v1/hosts/{id}/maintenance', { params: { path: { id: host.id } }, body: { evacuate } }),
    onSuccess: () => {
      close();
      return qc.invalidateQueries({ queryKey: opKeys.all });
    },
  });
  return (
    <>
      <Button size="compact-sm" variant="light" onClick={open}>
        Maintenance…
      </Button>
      <Modal opened={opened} onClose={close} title={`Maintenance of ${host.name}`} centered>
        <Text mb="sm">
          Placement takes no new VM on {host.name}. Evacuating moves its {host.usage.instances} running VM(s) to other
          hosts of its pool, live; stopped VMs stay where their disks are.
        </Text>
        <ProblemAlert error={drain.error} title="Maintenance refused" />
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            variant="light"
            onClick={() => drain.mutate(false)}
            loading={drain.isPending && drain.variables === false}
          >
            Maintenance, VMs stay
          </Button>
          <Button onClick={() => drain.mutate(true)} loading={drain.isPending && drain.variables === true}>
            Evacuate
          </Button>
        </Group>
      </Modal>
    </>
  );
}

function DeclareDeadButton({ host }: { host: Host }) {
  const client = useClient();
  const qc = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [typed, setTyped] = useState('');
  const declare = useMutation({
    mutationFn: () =>
      client.POST('/v1/hosts/{id}/declare-dead', { params: { path: { id: host.id } }, body: { confirm: typed } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: opKeys.all }),
  });
  const shut = () => {
    close();
    setTyped('');
    declare.reset();
  };
  return (
    <>
      <Button size="compact-sm" color="red" variant="light" onClick={open}>
        Declare dead…
      </Button>
      <Modal opened={opened} onClose={shut} title={`Declare ${host.name} dead`} centered>
        {declare.data ? (
          <Stack role="status">
            <Text>
              {host.name} is down: {declare.data.restarts.length} HA restart(s) started,{' '}
              {declare.data.stoppedVmIds.length} VM(s) marked stopped.
            </Text>
            <Group justify="flex-end">
              <Button onClick={shut}>Close</Button>
            </Group>
          </Stack>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              declare.mutate();
            }}
          >
            <Text mb="sm">
              Only for a host known to be powered off: its HA-protected VMs restart elsewhere at once, and a host that
              is still running them would run them twice. Type the host&apos;s name to confirm.
            </Text>
            <TextInput
              label="Host name"
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              data-autofocus
            />
            <ProblemAlert error={declare.error} title="Declaring dead refused" />
            <Group justify="flex-end" mt="md">
              <Button variant="default" onClick={shut}>
                Cancel
              </Button>
              <Button type="submit" color="red" disabled={typed !== host.name} loading={declare.isPending}>
                Declare dead
              </Button>
            </Group>
          </form>
        )}
      </Modal>
    </>
  );
}

function HostDetails({ host, evacuation }: { host: Host; evacuation: Operation | undefined }) {
  const client = useClient();
  const vms = useQuery({
    queryKey: opKeys.hostVms(host.id),
    queryFn: ({ signal }) =>
      client.GET('/v1/vms', { params: { query: { hostId: host.id, limit: 500 } }, signal }) as Promise<{
        items: Vm[];
        nextCursor?: string;
      }>,
  });
  return (
    <Card withBorder component="section" aria-labelledby="host-details-title">
      <Title order={2} size="h3" id="host-details-title" mb="xs">
        {host.name}
      </Title>
      <Text size="sm" mb="sm">
        {host.address} · Xen {host.xenVersion || '?'} · {host.cpuVendor || 'unknown CPU'} · {host.total.vcpus} CPUs,{' '}
        {formatMemory(host.total.memoryMb)}, {host.total.diskGb} GB (dom0 keeps {host.reserved.vcpus} CPUs,{' '}
        {formatMemory(host.reserved.memoryMb)}) · agent {host.agentVersion || '?'}
      </Text>
      <Text size="sm" mb="sm" data-testid="host-identity">
        Pool link {host.peerAddress} ·{' '}
        {host.certificateExpiresAt
          ? `certificate expires ${new Date(host.certificateExpiresAt).toLocaleDateString()}`
          : 'certificate expiry not known yet'}
        {host.certificateRenewalRequestedAt ? ' (renewal requested)' : ''}
      </Text>
      {evacuation ? (
        <Stack gap={4} mb="sm">
          <Text size="sm">
            Evacuation <StateBadge state={evacuation.status} /> started{' '}
            {new Date(evacuation.createdAt).toLocaleTimeString()}
          </Text>
          <EvacuationProgress op={evacuation} />
        </Stack>
      ) : null}
      <ProblemAlert error={vms.error} title="The host's VMs could not be listed" />
      <Table aria-label={`VMs on ${host.name}`} captionSide="top">
        <Table.Caption c="gray.7">
          {vms.data ? `${vms.data.items.length}${vms.data.nextCursor ? '+' : ''} VMs on ${host.name}` : 'Loading VMs…'}
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Name</Table.Th>
            <Table.Th scope="col">State</Table.Th>
            <Table.Th scope="col">Flavor</Table.Th>
            <Table.Th scope="col">HA priority</Table.Th>
            <Table.Th scope="col">Project</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(vms.data?.items ?? []).map((vm) => (
            <Table.Tr key={vm.id} data-vm-id={vm.id}>
              <Table.Td>
                <AnchorLink to="/vms/$vmId" params={{ vmId: vm.id }}>
                  {vm.name}
                </AnchorLink>
              </Table.Td>
              <Table.Td>
                <StateBadge state={vm.state} />
              </Table.Td>
              <Table.Td>{vm.flavor.name}</Table.Td>
              <Table.Td>{vm.haPriority}</Table.Td>
              <Table.Td>{vm.projectId.slice(0, 8)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
