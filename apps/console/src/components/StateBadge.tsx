import { Badge } from '@mantine/core';

const COLOR: Record<string, string> = {
  running: 'green',
  succeeded: 'green',
  active: 'green',
  available: 'green',
  stopped: 'gray',
  deleted: 'gray',
  cancelled: 'gray',
  error: 'red',
  failed: 'red',
  dead: 'red',
};

/** A state as text in a badge (the colour only repeats what the text says). */
export function StateBadge({ state }: { state: string }) {
  return (
    <Badge color={COLOR[state] ?? 'blue'} variant="light" data-state={state}>
      {state}
    </Badge>
  );
}
