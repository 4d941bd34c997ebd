import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A table wider than a narrow window, scrolled sideways inside a named region that takes the
 * keyboard's focus: a scroll area without focusable content is out of reach for keyboard users
 * (axe's scrollable-region-focusable), and an audit row has no link or button to land on.
 */
export function WideTable({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={minWidth} type="native" tabIndex={0} role="region" aria-label={label}>
      {children}
    </Table.ScrollContainer>
  );
}
