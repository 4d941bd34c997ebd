import { Group, Select, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { JobQueue, QueueJob } from '@xenplane/sdk';
import { useEffect, useState } from 'react';
import { useClient } from '../../auth/session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { heartbeatAge } from '../../lib/operator';
import { opKeys } from './common';

// the counts move by themselves (the scheduler works the queues): read again this often
const REFRESH_MS = 5_000;
const SHOWN_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * The scheduler's job queues (global admins only, as GET /v1/queues): each queue's jobs by state
 * and how long its oldest waiting job has waited; a queue's failed jobs with why, each sent back
 * to be tried again on confirmation (audited by the API).
 */
export function QueuesPage() {
  const client = useClient();
  const queues = useQuery({
    queryKey: opKeys.queues,
    queryFn: ({ signal }) => client.GET('/v1/queues', { signal }),
    refetchInterval: REFRESH_MS,
  });
  const items = queues.data?.items ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  // at first the first queue with failed jobs, kept once shown: a retry that empties it must not switch queues
  const shown = chosen ?? items.find((q) => q.counts.failed > 0)?.name ?? items[0]?.name ?? null;
  useEffect(() => {
    if (chosen === null && shown !== null) setChosen(shown);
  }, [chosen, shown]);

  return (
    <Stack>
      <Title order={1} size="h2">
        Queues
      </Title>
      <ProblemAlert error={queues.error} title="The queues could not be read" />
      <Table.ScrollContainer minWidth={800}>
        <Table highlightOnHover aria-label="Queues">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Queue</Table.Th>
              {SHOWN_STATES.map((s) => (
                <Table.Th scope="col" key={s}>
                  {s[0]!.toUpperCase() + s.slice(1)}
                </Table.Th>
              ))}
              <Table.Th scope="col">Oldest waiting</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((q) => (
              <QueueRow key={q.name} q={q} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {shown ? (
        <>
          <Group align="flex-end">
            <Title order={2} size="h3">
              Failed jobs
            </Title>
            <Select
              label="Queue"
              data={items.map((q) => q.name)}
              value={shown}
              onChange={(v) => setChosen(v)}
              allowDeselect={false}
              w={200}
            />
          </Group>
          <FailedJobs queue={shown} />
        </>
      ) : null}
    </Stack>
  );
}

function QueueRow({ q }: { q: JobQueue }) {
  return (
    <Table.Tr data-queue={q.name}>
      <Table.Th scope="row">{q.name}</Table.Th>
      {SHOWN_STATES.map((s) => (
        <Table.Td key={s}>
          <Text size="sm" c={s === 'failed' && q.counts.failed > 0 ? 'red.9' : undefined}>
            {q.counts[s].toLocaleString('en')}
          </Text>
        </Table.Td>
      ))}
      <Table.Td>{q.oldestWaitingAgeSeconds === null ? '—' : heartbeatAge(q.oldestWaitingAgeSeconds * 1000)}</Table.Td>
    </Table.Tr>
  );
}

function FailedJobs({ queue }: { queue: string }) {
  const client = useClient();
  const jobs = useQuery({
    queryKey: opKeys.queueJobs(queue),
    queryFn: ({ signal }) =>
      client.GET('/v1/queues/{name}/jobs', {
        params: { path: { name: queue }, query: { state: 'failed', limit: 100 } },
        signal,
      }),
    refetchInterval: REFRESH_MS,
  });
  const rows = jobs.data?.items ?? [];
  return (
    <>
      <ProblemAlert error={jobs.error} title="The failed jobs could not be listed" />
      <Table.ScrollContainer minWidth={900}>
        <Table highlightOnHover aria-label={`Failed jobs of ${queue}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Job</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Attempts</Table.Th>
              <Table.Th scope="col">Why it failed</Table.Th>
              <Table.Th scope="col">Failed</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((j) => (
              <JobRow key={j.id} queue={queue} job={j} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!jobs.isPending && !rows.length && !jobs.error ? <Text>No failed jobs in {queue}.</Text> : null}
    </>
  );
}

function JobRow({ queue, job }: { queue: string; job: QueueJob }) {
  const client = useClient();
  const qc = useQueryClient();
  const retry = useMutation({
    mutationFn: () =>
      client.POST('/v1/queues/{name}/jobs/{job}/retry', { params: { path: { name: queue, job: job.id } } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: opKeys.queues }),
  });
  return (
    <Table.Tr data-job-id={job.id}>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {job.id}
        </Text>
      </Table.Td>
      <Table.Td>{job.name}</Table.Td>
      <Table.Td>{job.attemptsMade}</Table.Td>
      <Table.Td>
        <Text size="sm" c="red.9">
          {job.failedReason ?? '—'}
        </Text>
        <ProblemAlert error={retry.error} title="Retry refused" />
      </Table.Td>
      <Table.Td>{job.finishedAt ? new Date(job.finishedAt).toLocaleString() : '—'}</Table.Td>
      <Table.Td>
        <ConfirmButton
          size="compact-sm"
          variant="subtle"
          color="blue"
          title="Retry this job?"
          message={`The ${job.name} job goes back to the ${queue} queue to be tried again.`}
          confirmLabel="Retry job"
          onConfirm={() => retry.mutate()}
          loading={retry.isPending}
        >
          Retry
        </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}
