import {
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Progress,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { Host, Operation, Snapshot, Vm, VmAction, XenplaneEvent } from '@xenplane/sdk';
import { type ReactNode, useEffect, useState } from 'react';
import { keys } from '../../api/keys';
import { useClient, useSession } from '../../auth/session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { AnchorLink } from '../../components/links';
import { ProblemAlert } from '../../components/ProblemAlert';
import { StateBadge } from '../../components/StateBadge';
import { TimelineButton } from '../../components/TimelineButton';
import { parseDuration } from '../../lib/ids';
import { type VmTab, vmRoute } from '../../router';

const IN_FLIGHT = new Set(['queued', 'running']);

/** A VM: its state, the operation in flight with its steps, actions, history, console, snapshots. */
export function VmPage() {
  const client = useClient();
  const { vmId } = vmRoute.useParams();
  const { tab = 'overview' } = vmRoute.useSearch();
  const navigate = useNavigate({ from: '/vms/$vmId' });
  const vm = useQuery({
    queryKey: keys.vm(vmId),
    queryFn: ({ signal }): Promise<Vm> => client.GET('/v1/vms/{id}', { params: { path: { id: vmId } }, signal }),
  });

  if (vm.isPending) return <Loader aria-label="Loading the VM" />;
  if (vm.error)
    return (
      <Stack>
        <AnchorLink to="/vms">← Virtual machines</AnchorLink>
        <ProblemAlert error={vm.error} title="This VM could not be read" />
      </Stack>
    );
  const v = vm.data;
  return (
    <Stack>
      <AnchorLink to="/vms">← Virtual machines</AnchorLink>
      <Group>
        <Title order={1} size="h2">
          {v.name}
        </Title>
        <StateBadge state={v.state} />
      </Group>
      <Tabs
        value={tab}
        onChange={(t) => void navigate({ search: t && t !== 'overview' ? { tab: t as VmTab } : {} })}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="console">Console log</Tabs.Tab>
          <Tabs.Tab value="snapshots">Snapshots</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <Overview vm={v} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <History vmId={v.id} />
        </Tabs.Panel>
        <Tabs.Panel value="console" pt="md">
          <ConsoleLog vmId={v.id} />
        </Tabs.Panel>
        <Tabs.Panel value="snapshots" pt="md">
          <Snapshots vmId={v.id} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="gray.7" component="dt">
        {label}
      </Text>
      <Text size="sm" component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

function Overview({ vm }: { vm: Vm }) {
  const { isOperator } = useSession();
  return (
    <Stack>
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 2, md: 4 }} component="dl" m={0}>
          <Field label="State">{vm.state}</Field>
          <Field label="Power">{vm.powerState}</Field>
          <Field label="Flavor">
            {vm.flavor.name} ({vm.vcpus} vCPU, {vm.memoryMb} MiB, {vm.diskGb} GiB)
          </Field>
          <Field label="Image">
            {vm.image.name} ({vm.guestType})
          </Field>
          <Field label="Addresses">
            {vm.addresses.length ? vm.addresses.map((a) => `${a.ip} (${a.network})`).join(', ') : '—'}
          </Field>
          {isOperator ? <Field label="Host">{vm.hostId ?? '—'}</Field> : null}
          <Field label="HA priority">{vm.haPriority}</Field>
          <Field label="Expires">{vm.expiresAt ? new Date(vm.expiresAt).toLocaleString() : 'never'}</Field>
          <Field label="Created">{new Date(vm.createdAt).toLocaleString()}</Field>
          <Field label="Id">
            <Code>{vm.id}</Code>
          </Field>
          {Object.keys(vm.metadata).length ? (
            <Field label="Metadata">
              {Object.entries(vm.metadata)
                .map(([k, val]) => `${k}=${val}`)
                .join(', ')}
            </Field>
          ) : null}
          {vm.error ? <Field label="Error">{vm.error.message ?? vm.error.code}</Field> : null}
        </SimpleGrid>
      </Paper>
      <Operations vmId={vm.id} />
      <Actions vm={vm} />
    </Stack>
  );
}

function Operations({ vmId }: { vmId: string }) {
  const client = useClient();
  const ops = useQuery({
    queryKey: keys.operations(vmId),
    queryFn: ({ signal }) =>
      client.GET('/v1/operations', { params: { query: { vmId, limit: 10 } }, signal }) as Promise<{
        items: Operation[];
      }>,
    // while one is in flight, read again now and then too: its progress and steps come with no event,
    // and an event missed (the stream reconnecting) must not leave it shown in flight for good
    refetchInterval: (q) => (q.state.data?.items.some((o) => IN_FLIGHT.has(o.status)) ? 2_000 : false),
  });
  const items = ops.data?.items ?? [];
  const current = items.find((o) => IN_FLIGHT.has(o.status));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="ops-heading">
      <Title order={2} size="h4" id="ops-heading" mb="sm">
        Operations
      </Title>
      <ProblemAlert error={ops.error} title="Its operations could not be read" />
      {current ? (
        <Stack gap={4} mb="md">
          <Text size="sm">
            In flight: <strong>{current.kind}</strong> ({current.status}){current.step ? `, step ${current.step}` : ''}
          </Text>
          <Progress value={current.progress} size="lg" aria-label={`${current.kind} progress`} animated />
          <Text size="xs" c="gray.7">
            {current.progress}%{current.attempts > 1 ? `, attempt ${current.attempts}` : ''}
          </Text>
        </Stack>
      ) : (
        <Text size="sm" mb="sm">
          No operation in flight.
        </Text>
      )}
      {items.length ? (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Step</Table.Th>
              <Table.Th scope="col">By</Table.Th>
              <Table.Th scope="col">Started</Table.Th>
              <Table.Th scope="col">Error</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Timeline</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((o) => (
              <Table.Tr key={o.id}>
                <Table.Td>{o.kind}</Table.Td>
                <Table.Td>
                  <StateBadge state={o.status} />
                </Table.Td>
                <Table.Td>{o.step ?? '—'}</Table.Td>
                <Table.Td>
                  {o.requestedByName ?? (o.requestedBy ? o.requestedBy.slice(0, 8) : 'control plane')}
                </Table.Td>
                <Table.Td>{new Date(o.startedAt ?? o.createdAt).toLocaleString()}</Table.Td>
                <Table.Td>{o.error ? (o.error.message ?? o.error.code) : ''}</Table.Td>
                <Table.Td>
                  <TimelineButton operationId={o.id} label={`${o.kind} ${o.id.slice(0, 8)}`} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Paper>
  );
}

function Actions({ vm }: { vm: Vm }) {
  const client = useClient();
  const { isOperator } = useSession();
  const qc = useQueryClient();
  const [snapName, setSnapName] = useState('');
  const [cloneName, setCloneName] = useState('');
  const [ttl, setTtl] = useState('');
  const [target, setTarget] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [done, setDone] = useState<string>();
  const hosts = useQuery({
    queryKey: ['hosts', 'all'],
    enabled: isOperator,
    queryFn: async () => {
      const out: Host[] = [];
      for await (const h of client.paginate('/v1/hosts', { params: { query: { limit: 200 } } })) out.push(h);
      return out;
    },
  });
  const act = useMutation({
    mutationFn: async (what: { label: string; run: () => Promise<unknown> }) => {
      await what.run();
      return what.label;
    },
    onSuccess: (label) => {
      setDone(`${label}: accepted`);
      void qc.invalidateQueries({ queryKey: keys.vm(vm.id) });
      void qc.invalidateQueries({ queryKey: keys.operations(vm.id) });
      void qc.invalidateQueries({ queryKey: keys.snapshots(vm.id) });
    },
    onMutate: () => setDone(undefined),
  });
  const action = (label: string, body: { body: VmAction }) => () =>
    act.mutate({ label, run: () => client.POST('/v1/vms/{id}/actions', { params: { path: { id: vm.id } }, ...body }) });
  const path = { params: { path: { id: vm.id } } };
  const ttlSeconds = parseDuration(ttl);
  // what the VM's state accepts now, as the API says (its action table): the rest are greyed out
  const refuses = (a: Vm['actions'][number]) => !vm.actions.includes(a);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="actions-heading">
      <Title order={2} size="h4" id="actions-heading" mb="sm">
        Actions
      </Title>
      <Stack>
        <Group>
          <Button variant="light" disabled={refuses('start')} onClick={action('Start', { body: { action: 'start' } })}>
            Start
          </Button>
          <ConfirmButton
            variant="light"
            color="blue"
            title={`Stop ${vm.name}?`}
            message="The guest is shut down."
            confirmLabel="Stop"
            disabled={refuses('stop')}
            onConfirm={action('Stop', { body: { action: 'stop' } })}
          >
            Stop
          </ConfirmButton>
          <ConfirmButton
            variant="light"
            color="blue"
            title={`Reboot ${vm.name}?`}
            message="The guest is restarted."
            confirmLabel="Reboot"
            disabled={refuses('reboot')}
            onConfirm={action('Reboot', { body: { action: 'reboot' } })}
          >
            Reboot
          </ConfirmButton>
          <ConfirmButton
            title={`Delete ${vm.name}?`}
            message="The VM and its disks are deleted. This cannot be undone."
            confirmLabel="Delete"
            disabled={refuses('delete')}
            onConfirm={() => act.mutate({ label: 'Delete', run: () => client.DELETE('/v1/vms/{id}', path) })}
          >
            Delete
          </ConfirmButton>
        </Group>
        <Group align="flex-end">
          <TextInput label="Snapshot name" value={snapName} onChange={(e) => setSnapName(e.currentTarget.value)} />
          <Button
            variant="light"
            disabled={!snapName.trim()}
            onClick={() =>
              act.mutate({
                label: 'Snapshot',
                run: () => client.POST('/v1/vms/{id}/snapshots', { ...path, body: { name: snapName.trim() } }),
              })
            }
          >
            Take snapshot
          </Button>
          <TextInput
            label="Clone name"
            placeholder={`${vm.name}-clone-1`}
            value={cloneName}
            onChange={(e) => setCloneName(e.currentTarget.value)}
          />
          <Button
            variant="light"
            onClick={action('Clone', {
              body: { action: 'clone', ...(cloneName.trim() ? { name: cloneName.trim() } : {}) },
            })}
          >
            Clone
          </Button>
        </Group>
        <Group align="flex-end">
          <TextInput
            label="Time to live from now"
            description="e.g. 2h, 30m, 1d"
            value={ttl}
            onChange={(e) => setTtl(e.currentTarget.value)}
            error={ttl.trim() && ttlSeconds === undefined ? 'a number of seconds, or with s, m, h or d' : undefined}
          />
          <Button
            variant="light"
            disabled={ttlSeconds === undefined}
            onClick={() =>
              act.mutate({
                label: 'Time to live',
                run: () => client.PATCH('/v1/vms/{id}', { ...path, body: { ttlSeconds: ttlSeconds! } }),
              })
            }
          >
            Set time to live
          </Button>
        </Group>
        {isOperator ? (
          <Group align="flex-end">
            <Select
              label="Migrate to host"
              placeholder="the scheduler chooses"
              clearable
              data={(hosts.data ?? []).filter((h) => h.id !== vm.hostId).map((h) => ({ value: h.id, label: h.name }))}
              value={target}
              onChange={setTarget}
            />
            <Switch label="Live" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} mb={8} />
            <ConfirmButton
              variant="light"
              color="blue"
              title={`Migrate ${vm.name}?`}
              message={live ? 'The VM moves while it runs.' : 'The VM is stopped, moved, and started again.'}
              confirmLabel="Migrate"
              disabled={refuses('migrate')}
              onConfirm={action('Migrate', {
                body: { action: 'migrate', live, ...(target ? { targetHostId: target } : {}) },
              })}
            >
              Migrate
            </ConfirmButton>
          </Group>
        ) : null}
        <ProblemAlert error={act.error} title="The action was refused" />
        {done ? (
          <Text size="sm" role="status">
            {done}
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}

/** The VM's events from the first (since=0), then live as they come. */
function History({ vmId }: { vmId: string }) {
  const client = useClient();
  const [events, setEvents] = useState<XenplaneEvent[]>([]);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const ctl = new AbortController();
    setEvents([]);
    (async () => {
      for await (const e of client.events({ vmId, since: '0', signal: ctl.signal })) setEvents((l) => [...l, e]);
    })().catch((err: unknown) => {
      if (!ctl.signal.aborted) setError(err);
    });
    return () => ctl.abort();
  }, [client, vmId]);
  return (
    <Stack>
      <ProblemAlert error={error} title="Its history could not be read" />
      {!events.length && !error ? <Text size="sm">No events yet.</Text> : null}
      {events.length ? (
        <Table aria-label="Events">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Event</Table.Th>
              <Table.Th scope="col">What</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...events].reverse().map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{new Date(e.createdAt).toLocaleString()}</Table.Td>
                <Table.Td>{e.type}</Table.Td>
                <Table.Td>{describe(e)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}

function describe(e: XenplaneEvent): string {
  const d = e.data as Record<string, unknown>;
  if (e.type === 'vm.state') return `${String(d['state'])}${d['hostId'] ? ` on host ${String(d['hostId'])}` : ''}`;
  if (e.type === 'operation.status')
    return `${String(d['kind'])} ${String(d['status'])} (${String(d['progress'] ?? 0)}%)${d['errorCode'] ? `: ${String(d['errorCode'])}` : ''}`;
  return JSON.stringify(d);
}

function ConsoleLog({ vmId }: { vmId: string }) {
  const client = useClient();
  const log = useQuery({
    queryKey: keys.console(vmId),
    queryFn: ({ signal }) =>
      client.GET('/v1/vms/{id}/console', { params: { path: { id: vmId }, query: { bytes: 65536 } }, signal }),
    staleTime: 0,
  });
  return (
    <Stack>
      <Group>
        <Button variant="light" onClick={() => void log.refetch()} loading={log.isFetching}>
          Refresh
        </Button>
        {log.data?.truncated ? <Text size="sm">Older output left out.</Text> : null}
      </Group>
      <ProblemAlert error={log.error} title="The console could not be read" />
      {log.data ? (
        <ScrollArea h={480} type="auto" tabIndex={0} aria-label="Console output">
          <Code block>{log.data.output || '(no output yet)'}</Code>
        </ScrollArea>
      ) : null}
    </Stack>
  );
}

function Snapshots({ vmId }: { vmId: string }) {
  const client = useClient();
  const qc = useQueryClient();
  const snaps = useQuery({
    queryKey: keys.snapshots(vmId),
    queryFn: ({ signal }) =>
      client.GET('/v1/vms/{id}/snapshots', {
        params: { path: { id: vmId }, query: { limit: 100 } },
        signal,
      }) as Promise<{
        items: Snapshot[];
      }>,
  });
  const change = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.snapshots(vmId) }),
  });
  const items = snaps.data?.items ?? [];
  return (
    <Stack>
      <ProblemAlert error={snaps.error ?? change.error} title="Snapshots" />
      {!items.length && !snaps.isPending ? <Text size="sm">No snapshots (take one from the overview).</Text> : null}
      {items.length ? (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Size</Table.Th>
              <Table.Th scope="col">Taken</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => {
              const p = { params: { path: { id: vmId, snapshotId: s.id } } };
              return (
                <Table.Tr key={s.id}>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td>
                    <StateBadge state={s.state} />
                  </Table.Td>
                  <Table.Td>{s.sizeBytes !== undefined ? `${(s.sizeBytes / 2 ** 20).toFixed(1)} MiB` : '—'}</Table.Td>
                  <Table.Td>{new Date(s.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <ConfirmButton
                        size="xs"
                        variant="light"
                        color="blue"
                        title={`Revert to ${s.name}?`}
                        message="The VM's disks go back to this snapshot; what changed since is lost."
                        confirmLabel="Revert"
                        onConfirm={() =>
                          change.mutate(() => client.POST('/v1/vms/{id}/snapshots/{snapshotId}/revert', p))
                        }
                      >
                        Revert
                      </ConfirmButton>
                      <ConfirmButton
                        size="xs"
                        variant="light"
                        title={`Delete snapshot ${s.name}?`}
                        message="This cannot be undone."
                        confirmLabel="Delete"
                        onConfirm={() => change.mutate(() => client.DELETE('/v1/vms/{id}/snapshots/{snapshotId}', p))}
                      >
                        Delete
                      </ConfirmButton>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}
