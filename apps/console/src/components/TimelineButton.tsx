import { Button, Modal, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { OperationTimeline } from '@xenplane/sdk';
import { useClient } from '../auth/session';
import { ProblemAlert } from './ProblemAlert';

const ms = (n: number) => (n < 10 ? n.toFixed(2) : String(Math.round(n)));

/** An operation's timeline (GET /v1/operations/:id/timeline) in a dialog: read when opened. */
export function TimelineButton({ operationId, label }: { operationId: string; label: string }) {
  const client = useClient();
  const [opened, { open, close }] = useDisclosure(false);
  const timeline = useQuery({
    queryKey: ['timeline', operationId],
    enabled: opened,
    queryFn: ({ signal }) =>
      client.GET('/v1/operations/{id}/timeline', {
        params: { path: { id: operationId } },
        signal,
      }) as Promise<OperationTimeline>,
  });
  const t = timeline.data;
  return (
    <>
      <Button size="compact-sm" variant="subtle" onClick={open} aria-label={`Timeline of ${label}`}>
        Timeline
      </Button>
      <Modal opened={opened} onClose={close} title={`Timeline of ${label}`} size="xl">
        <ProblemAlert error={timeline.error} title="The timeline could not be read" />
        {t ? (
          <>
            <Text size="sm" mb="xs">
              {t.status}, {ms(t.wallMs)} ms in all: {t.totals.map((s) => `${s.side} ${ms(s.ms)} ms`).join(', ')};{' '}
              {ms(t.unaccountedMs)} ms in no step. Correlation id <code>{t.correlationId ?? '—'}</code>
            </Text>
            <Table aria-label={`Steps of ${label}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">At (ms)</Table.Th>
                  <Table.Th scope="col">Step</Table.Th>
                  <Table.Th scope="col">Side</Table.Th>
                  <Table.Th scope="col">Took (ms)</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {t.steps.map((s) => (
                  <Table.Tr key={s.spanId}>
                    <Table.Td>{Math.round(s.offsetMs)}</Table.Td>
                    <Table.Td style={{ paddingLeft: `${0.6 + s.depth}rem` }} c={s.failed ? 'red.9' : undefined}>
                      {s.name}
                      {s.failed ? ' (failed)' : ''}
                    </Table.Td>
                    <Table.Td>{s.side}</Table.Td>
                    <Table.Td>{ms(s.durationMs)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        ) : null}
      </Modal>
    </>
  );
}
