import { Group, Progress, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Pool, Xenplane } from '@xenplane/sdk';
import { useEffect } from 'react';
import { useClient } from '../../auth/session';
import { percent } from '../../lib/operator';

/** The operator pages' query keys: the operator event hook invalidates them. */
export const opKeys = {
  all: ['op'] as const,
  pools: ['op', 'pools'] as const,
  poolHa: (id: string) => ['op', 'pool-ha', id] as const,
  poolUsage: (id: string, range: string) => ['op', 'pool-usage', id, range] as const,
  hosts: (filter: unknown) => ['op', 'hosts', filter] as const,
  hostVms: (id: string) => ['op', 'host-vms', id] as const,
  evacuations: ['op', 'evacuations'] as const,
  operations: (filter: unknown) => ['op', 'operations', filter] as const,
  audit: (filter: unknown) => ['op', 'audit', filter] as const,
  queues: ['op', 'queues'] as const,
  queueJobs: (queue: string) => ['op', 'queues', queue, 'failed'] as const,
};

/** Every pool (a few pages at most), for pickers and the pools page. */
export async function allPools(client: Xenplane): Promise<Pool[]> {
  const out: Pool[] = [];
  for await (const p of client.paginate('/v1/pools', { params: { query: { limit: 200 } } })) out.push(p as Pool);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function usePools() {
  const client = useClient();
  return useQuery({ queryKey: opKeys.pools, queryFn: () => allPools(client) });
}

/**
 * While an operator page is shown: host state changes and operations' progress (evacuations, the
 * migrations they start, HA restarts) from the event stream refresh what the operator pages read,
 * at most twice a second. The stream reconnects by itself (the SDK resumes with Last-Event-ID).
 */
export function useOperatorEvents(): void {
  const client = useClient();
  const qc = useQueryClient();
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void qc.invalidateQueries({ queryKey: opKeys.all });
      }, 500);
    };
    (async () => {
      while (!ctl.signal.aborted) {
        try {
          for await (const e of client.events({ types: ['host.state', 'operation.status'], signal: ctl.signal })) {
            void e;
            refresh();
          }
          return;
        } catch {
          if (ctl.signal.aborted) return;
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
    })().catch(() => undefined);
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [client, qc]);
}

/** A labelled bar: used of capacity. */
export function ResourceBar({
  label,
  used,
  capacity,
  unit,
}: {
  label: string;
  used: number;
  capacity: number;
  unit?: string;
}) {
  const p = percent(used, capacity);
  const u = unit ? ` ${unit}` : '';
  const text = `${label}: ${used.toLocaleString('en')} of ${capacity.toLocaleString('en')}${u}`;
  return (
    <div>
      <Group justify="space-between" gap={4} wrap="nowrap">
        <Text size="xs">{text}</Text>
        <Text size="xs" c="gray.7">
          {p}%
        </Text>
      </Group>
      <Progress value={p} size="sm" color={p >= 90 ? 'red' : p >= 75 ? 'orange' : 'blue'} aria-label={text} />
    </div>
  );
}
