import { Group, Progress, Stack, Text } from '@mantine/core';
import { percentUsed, type Quota, QUOTA_RESOURCES } from '../lib/quota';

/** A project's usage against its quota, a labelled bar per resource (plus what a request would add). */
export function QuotaBars({ quota, usage, wanted }: { quota: Quota; usage: Quota; wanted?: Quota }) {
  return (
    <Stack gap="xs">
      {QUOTA_RESOURCES.map((r) => {
        const used = usage[r.key];
        const extra = wanted?.[r.key] ?? 0;
        const over = used + extra > quota[r.key];
        const label = `${r.label}: ${used}${extra ? ` + ${extra}` : ''} of ${quota[r.key]}${r.unit ? ` ${r.unit}` : ''}`;
        return (
          <div key={r.key}>
            <Group justify="space-between" gap="xs">
              <Text size="sm" id={`quota-${r.key}`}>
                {label}
              </Text>
              <Text size="sm" c={over ? 'red.9' : 'gray.7'}>
                {over ? 'over quota' : `${Math.max(0, quota[r.key] - used - extra)} left`}
              </Text>
            </Group>
            <Progress.Root size="lg" aria-labelledby={`quota-${r.key}`}>
              <Progress.Section value={percentUsed(quota[r.key], used)} color="blue" aria-label={`${r.label} used`} />
              {extra ? (
                <Progress.Section
                  value={Math.min(100 - percentUsed(quota[r.key], used), percentUsed(quota[r.key], extra))}
                  color={over ? 'red' : 'cyan'}
                  aria-label={`${r.label} requested`}
                />
              ) : null}
            </Progress.Root>
          </div>
        );
      })}
    </Stack>
  );
}
